import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { DEFAULT_SCRAM_MAX_ITERATIONS, ScramSession } from '../../../src/connect/scram';
import { ErrorCode, RxpgError } from '../../../src/errors';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();
const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/**
 * The server side of SCRAM-SHA-256 from RFC 5802: it stores only StoredKey and ServerKey
 * and checks the client's proof by recovering ClientKey from it.
 */
class FakeServer {
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  private clientFirstBare = '';
  private serverFirst = '';

  constructor(
    password: string,
    readonly salt = Buffer.from('rxpg-test-salt'),
    readonly iterations = 4096,
    readonly nonceSuffix = 'server-part',
  ) {
    const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
    this.storedKey = sha256(hmac(salted, 'Client Key'));
    this.serverKey = hmac(salted, 'Server Key');
  }

  first(clientFirst: string): string {
    this.clientFirstBare = clientFirst.replace(/^(?:n|y|p=[^,]+),,/, '');
    const nonce = /r=([^,]+)/.exec(this.clientFirstBare)?.[1] ?? '';
    this.serverFirst = `r=${nonce}${this.nonceSuffix},s=${this.salt.toString('base64')},i=${this.iterations}`;
    return this.serverFirst;
  }

  /** Checks the proof and returns server-final, or throws when the proof is wrong. */
  final(clientFinal: string): string {
    const withoutProof = clientFinal.replace(/,p=[^,]+$/, '');
    const proof = Buffer.from(clientFinal.slice(withoutProof.length + 3), 'base64');
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const signature = hmac(this.storedKey, authMessage);
    const clientKey = Buffer.from(proof.map((byte, k) => byte ^ signature[k]));
    if (!sha256(clientKey).equals(this.storedKey)) {
      throw new Error('fake server: wrong proof');
    }
    return `v=${hmac(this.serverKey, authMessage).toString('base64')}`;
  }
}

/** Runs a whole exchange against the fake server and returns the session. */
function exchange(session: ScramSession, server: FakeServer): ScramSession {
  const final = session.handleServerFirst(server.first(session.clientFirstMessage()));
  session.handleServerFinal(server.final(final));
  return session;
}

function expectSaslFailure(call: () => unknown, message?: RegExp): void {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(RxpgError);
  expect((thrown as RxpgError).code).toBe(ErrorCode.SaslFailed);
  if (message) {
    expect((thrown as RxpgError).message).toMatch(message);
  }
}

describe('ScramSession with the RFC 7677 test vector', () => {
  const clientNonce = 'rOprNGfwEbeRWgbNEkqO';
  const serverFirst =
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
  const clientFinal =
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,' +
    'p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
  const serverFinal = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';
  const vectorSession = () =>
    new ScramSession('pencil', { mechanism: 'SCRAM-SHA-256', user: 'user', nonce: clientNonce });

  it('reproduces the client messages and accepts the server signature', () => {
    const session = vectorSession();
    expect(session.clientFirstMessage()).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    expect(session.handleServerFirst(serverFirst)).toBe(clientFinal);
    expect(session.completed).toBe(false);
    session.handleServerFinal(serverFinal);
    expect(session.completed).toBe(true);
    expect(session.channelBound).toBe(false);
  });

  it('derives the same client-final off the event loop', async () => {
    const session = vectorSession();
    session.clientFirstMessage();
    await expect(session.handleServerFirstAsync(serverFirst)).resolves.toBe(clientFinal);
    session.handleServerFinal(serverFinal);
    expect(session.completed).toBe(true);
  });

  it('refuses the vector server signature with one bit flipped', () => {
    const session = vectorSession();
    session.clientFirstMessage();
    session.handleServerFirst(serverFirst);
    const bytes = Buffer.from(serverFinal.slice(2), 'base64');
    bytes[31] ^= 1;
    expectSaslFailure(
      () => session.handleServerFinal(`v=${bytes.toString('base64')}`),
      /signature/,
    );
    expect(session.completed).toBe(false);
  });
});

describe('ScramSession client-first', () => {
  it('sends an empty user name and 18 random bytes of nonce, as libpq', () => {
    const first = new ScramSession('pw', { mechanism: 'SCRAM-SHA-256' }).clientFirstMessage();
    expect(first).toMatch(/^n,,n=,r=[A-Za-z0-9+/]{24}$/);
    const other = new ScramSession('pw', { mechanism: 'SCRAM-SHA-256' }).clientFirstMessage();
    expect(other).not.toBe(first);
  });

  it('escapes = and , in a user name', () => {
    const session = new ScramSession('pw', {
      mechanism: 'SCRAM-SHA-256',
      user: 'a=b,c',
      nonce: 'x',
    });
    expect(session.clientFirstMessage()).toBe('n,,n=a=3Db=2Cc,r=x');
  });

  it('refuses a test nonce containing a comma', () => {
    expectSaslFailure(() => new ScramSession('pw', { mechanism: 'SCRAM-SHA-256', nonce: 'a,b' }));
  });
});

describe('ScramSession gs2 header and channel binding', () => {
  const binding = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');

  it("sends 'n,,' and c=biws without binding support", () => {
    const session = new ScramSession('pw', { mechanism: 'SCRAM-SHA-256', nonce: 'abc' });
    const server = new FakeServer('pw');
    expect(session.clientFirstMessage()).toBe('n,,n=,r=abc');
    expect(session.handleServerFirst(server.first('n,,n=,r=abc'))).toMatch(/^c=biws,r=abc/);
  });

  it("sends 'y,,' and c=eSws when the client could bind but the server offered no -PLUS", () => {
    const options = { mechanism: 'SCRAM-SHA-256', clientSupportsBinding: true } as const;
    const session = new ScramSession('pw', { ...options, nonce: 'abc' });
    const server = new FakeServer('pw');
    expect(session.clientFirstMessage()).toBe('y,,n=,r=abc');
    const final = session.handleServerFirst(server.first('y,,n=,r=abc'));
    expect(final).toMatch(/^c=eSws,r=abc/);
    session.handleServerFinal(server.final(final));
    expect(session.completed).toBe(true);
    expect(session.channelBound).toBe(false);
  });

  it('sends p=tls-server-end-point and the header plus certificate hash in c= with -PLUS', () => {
    const session = new ScramSession('pw', {
      mechanism: 'SCRAM-SHA-256-PLUS',
      channelBinding: binding,
      nonce: 'abc',
    });
    const server = new FakeServer('pw');
    const first = session.clientFirstMessage();
    expect(first).toBe('p=tls-server-end-point,,n=,r=abc');
    const final = session.handleServerFirst(server.first(first));
    const c = /^c=([^,]+),/.exec(final)?.[1] ?? '';
    const expected = Buffer.concat([Buffer.from('p=tls-server-end-point,,'), binding]);
    expect(Buffer.from(c, 'base64')).toEqual(expected);
    session.handleServerFinal(server.final(final));
    expect(session.completed).toBe(true);
    expect(session.channelBound).toBe(true);
    expect(session.mechanism).toBe('SCRAM-SHA-256-PLUS');
  });

  it('refuses -PLUS without channel binding data', () => {
    expectSaslFailure(() => new ScramSession('pw', { mechanism: 'SCRAM-SHA-256-PLUS' }));
  });
});

describe('ScramSession password preparation', () => {
  it('proves a password whose no-break space SASLprep maps to a space', () => {
    const server = new FakeServer('pass word');
    const session = new ScramSession('pass\u00a0word', { mechanism: 'SCRAM-SHA-256' });
    expect(exchange(session, server).completed).toBe(true);
  });

  it('proves a password with a prohibited character with the raw password', () => {
    const server = new FakeServer('p\u00e4ss\u0007');
    const session = new ScramSession('p\u00e4ss\u0007', { mechanism: 'SCRAM-SHA-256' });
    expect(exchange(session, server).completed).toBe(true);
  });
});

describe('ScramSession refuses a bad server-first', () => {
  const started = () => {
    const session = new ScramSession('pw', { mechanism: 'SCRAM-SHA-256', nonce: 'abc' });
    session.clientFirstMessage();
    return session;
  };
  const salt = 'c2FsdA==';

  it.each([
    ['a nonce with another prefix', `r=abXdef,s=${salt},i=4096`],
    ['a nonce that only echoes the client nonce', `r=abc,s=${salt},i=4096`],
    ['a shorter nonce', `r=ab,s=${salt},i=4096`],
  ])('on %s', (_name, message) => {
    expectSaslFailure(() => started().handleServerFirst(message), /nonce/);
  });

  it.each([
    ['zero', '0'],
    ['negative', '-1'],
    ['not a number', 'abc'],
    ['empty', ''],
    ['trailing garbage', '4096x'],
    ['exponent', '1e3'],
    ['leading zero', '04096'],
    ['fraction', '4096.5'],
  ])('on a %s iteration count', (_name, count) => {
    expectSaslFailure(
      () => started().handleServerFirst(`r=abcdef,s=${salt},i=${count}`),
      /iteration count/,
    );
  });

  it('on an iteration count above the default ceiling', () => {
    const count = DEFAULT_SCRAM_MAX_ITERATIONS + 1;
    expectSaslFailure(() => started().handleServerFirst(`r=abcdef,s=${salt},i=${count}`), /over/);
  });

  it('on an iteration count above a configured ceiling, with a hint', () => {
    const session = new ScramSession('pw', {
      mechanism: 'SCRAM-SHA-256',
      nonce: 'abc',
      maxIterations: 5000,
    });
    session.clientFirstMessage();
    expect(() => session.handleServerFirst(`r=abcdef,s=${salt},i=5001`)).toThrow(
      expect.objectContaining({ code: ErrorCode.SaslFailed, hint: expect.stringMatching(/max/) }),
    );
  });

  it('accepts an iteration count equal to the configured ceiling', () => {
    const session = new ScramSession('pw', { mechanism: 'SCRAM-SHA-256', maxIterations: 4096 });
    expect(exchange(session, new FakeServer('pw')).completed).toBe(true);
  });

  it.each([
    ['an empty salt', 'r=abcdef,s=,i=4096'],
    ['a salt that is not base64', 'r=abcdef,s=c2Fsd!==,i=4096'],
    ['a salt with bad padding', 'r=abcdef,s=c2FsdA=,i=4096'],
  ])('on %s', (_name, message) => {
    expectSaslFailure(() => started().handleServerFirst(message), /salt/);
  });

  it.each([
    ['an empty message', ''],
    ['a missing salt', 'r=abcdef,i=4096'],
    ['a missing iteration count', `r=abcdef,s=${salt}`],
    ['attributes out of order', `s=${salt},r=abcdef,i=4096`],
    ['an extra attribute', `r=abcdef,s=${salt},i=4096,x=1`],
    ['a trailing comma', `r=abcdef,s=${salt},i=4096,`],
    ['a mandatory extension', `m=ext,r=abcdef,s=${salt},i=4096`],
    ['an error attribute', 'e=other-error'],
  ])('on %s', (_name, message) => {
    expectSaslFailure(() => started().handleServerFirst(message));
  });

  it('is unusable after a failure', () => {
    const session = started();
    expectSaslFailure(() => session.handleServerFirst('garbage'));
    expectSaslFailure(() => session.handleServerFirst(`r=abcdef,s=${salt},i=4096`), /state/);
    expect(session.completed).toBe(false);
  });

  it('rejects the async form the same way', async () => {
    await expect(started().handleServerFirstAsync(`r=abc,s=${salt},i=4096`)).rejects.toThrow(
      expect.objectContaining({ code: ErrorCode.SaslFailed }),
    );
  });
});

describe('ScramSession refuses a bad server-final', () => {
  const afterFirst = () => {
    const server = new FakeServer('pw');
    const session = new ScramSession('pw', { mechanism: 'SCRAM-SHA-256' });
    const final = session.handleServerFirst(server.first(session.clientFirstMessage()));
    return { session, good: server.final(final) };
  };

  it('accepts the right signature', () => {
    const { session, good } = afterFirst();
    session.handleServerFinal(good);
    expect(session.completed).toBe(true);
  });

  it('on a server that knows another password', () => {
    const server = new FakeServer('other');
    const session = new ScramSession('pw', { mechanism: 'SCRAM-SHA-256' });
    const final = session.handleServerFirst(server.first(session.clientFirstMessage()));
    expect(() => server.final(final)).toThrow('fake server: wrong proof');
    // A server that answers anyway, with a signature from its own key, is caught.
    const forged = `v=${hmac(server.serverKey, 'anything').toString('base64')}`;
    expectSaslFailure(() => session.handleServerFinal(forged), /signature/);
    expect(session.completed).toBe(false);
  });

  it('on a signature of the wrong length', () => {
    const { session } = afterFirst();
    expectSaslFailure(() => session.handleServerFinal('v=AAAA'), /signature/);
  });

  it('on an e= error attribute, naming the error', () => {
    const { session } = afterFirst();
    expectSaslFailure(() => session.handleServerFinal('e=invalid-proof'), /invalid-proof/);
    expect(session.completed).toBe(false);
  });

  it('on an e= attribute with unprintable text, without showing it', () => {
    const { session } = afterFirst();
    expectSaslFailure(() => session.handleServerFinal('e=\u001b[31mred'), /unprintable/);
  });

  it.each([
    ['an empty message', ''],
    ['no v= attribute', 'x=abc'],
    ['a signature that is not base64', 'v=!!!!'],
    ['an extension after the signature', null],
  ])('on %s', (_name, message) => {
    const { session, good } = afterFirst();
    expectSaslFailure(() => session.handleServerFinal(message ?? `${good},x=1`), /malformed/);
  });

  it('before server-first was handled', () => {
    const session = new ScramSession('pw', { mechanism: 'SCRAM-SHA-256' });
    session.clientFirstMessage();
    expectSaslFailure(() => session.handleServerFinal('v=AAAA'), /state/);
  });

  it('a second time after completing', () => {
    const { session, good } = afterFirst();
    session.handleServerFinal(good);
    expectSaslFailure(() => session.handleServerFinal(good), /state/);
  });
});

describe('ScramSession order of steps', () => {
  it('refuses a second client-first', () => {
    const session = new ScramSession('pw', { mechanism: 'SCRAM-SHA-256' });
    session.clientFirstMessage();
    expectSaslFailure(() => session.clientFirstMessage(), /state/);
  });

  it('refuses server-first before client-first', () => {
    const session = new ScramSession('pw', { mechanism: 'SCRAM-SHA-256', nonce: 'abc' });
    expectSaslFailure(() => session.handleServerFirst('r=abcdef,s=c2FsdA==,i=4096'), /state/);
  });
});

describe('ScramSession derives each salted password once', () => {
  // Node's crypto module, as rxpg loads it: the derivations can be counted on it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const crypto = require('node:crypto') as typeof import('node:crypto');
  const session = (password: string) =>
    new ScramSession(password, { mechanism: 'SCRAM-SHA-256', user: 'app' });

  afterEach(() => jest.restoreAllMocks());

  it('reuses the key for the same password, salt and iteration count, and only then', () => {
    const salt = Buffer.from('salt-of-the-reuse-test');
    // The fake servers derive their keys too: made before the count starts.
    const servers = [
      new FakeServer('first secret', salt),
      new FakeServer('first secret', salt),
      new FakeServer('second secret', salt),
      new FakeServer('first secret', Buffer.from('other salt')),
      new FakeServer('first secret', salt, 4097),
    ];
    const passwords = [
      'first secret',
      'first secret',
      'second secret',
      'first secret',
      'first secret',
    ];
    const derive = jest.spyOn(crypto, 'pbkdf2Sync');
    servers.forEach((server, k) => exchange(session(passwords[k] ?? ''), server));
    // Another password, salt or iteration count is another key, checked by the server's proof.
    expect(derive).toHaveBeenCalledTimes(4);
  });

  it('reuses it off the event loop too', async () => {
    const salt = Buffer.from('salt-of-the-async-test');
    const servers = [new FakeServer('async secret', salt), new FakeServer('async secret', salt)];
    const derive = jest.spyOn(crypto, 'pbkdf2');
    for (const server of servers) {
      const client = session('async secret');
      const final = await client.handleServerFirstAsync(server.first(client.clientFirstMessage()));
      client.handleServerFinal(server.final(final));
      expect(client.completed).toBe(true);
    }
    expect(derive).toHaveBeenCalledTimes(1);
  });
});
