import { firstValueFrom, switchMap } from 'rxjs';

import { connect } from '../../../src/connection/connect';
import { RxpgError } from '../../../src/errors';
import {
  auth,
  authOk,
  authSasl,
  authSaslContinue,
  errorResponse,
  message,
  sessionStart,
} from './backend-messages';
import { attempt, PASSWORD, scramScript, type Result } from './exchange';
import { fakeServer, type FakeServer, type FakeSession } from './fake-server';

/** A failure that waited for bytes would take connect_timeout (5 s); these must not wait. */
const PROMPT_MS = 2_000;

/** An 'R' or other message header claiming `length`, with no body behind it. */
function header(type: string, length: number): Buffer {
  const bytes = Buffer.alloc(5);
  bytes.write(type, 0, 'latin1');
  bytes.writeUInt32BE(length >>> 0, 1);
  return bytes;
}

/** Sends `bytes` once the StartupMessage arrived, then keeps the socket open. */
function sends(bytes: Buffer): (session: FakeSession) => Promise<void> {
  return async (session) => {
    session.send(bytes);
    await session.closed();
  };
}

describe('hostile servers before and after authentication', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** Runs `script`, connects with `params`, and checks the failure came without waiting. */
  async function promptly(
    script: (session: FakeSession) => Promise<void>,
    params: Record<string, string> = {},
    options: Parameters<typeof attempt>[2] = {},
  ): Promise<Result> {
    server = await fakeServer(script);
    const started = Date.now();
    const result = await attempt(server, { sslmode: 'disable', ...params }, options);
    expect(Date.now() - started).toBeLessThan(PROMPT_MS);
    return result;
  }

  describe('sizes before AuthenticationOk (libpq: requests 2000 bytes, errors 30000)', () => {
    it('refuses an authentication request longer than 2000 bytes from its header alone', async () => {
      expect(await promptly(sends(header('R', 2001)))).toBe('error:RXPG_MESSAGE_TOO_LARGE');
    });

    it('accepts an authentication request of exactly 2000 bytes', async () => {
      // Length 2000: type and length fields (8 bytes with the code), then the mechanism list.
      const filler = 'X'.repeat(2000 - 8 - 'SCRAM-SHA-256'.length - 3);
      const { script } = scramScript(['SCRAM-SHA-256', filler]);
      const padded = authSasl(['SCRAM-SHA-256', filler]);
      expect(padded.readInt32BE(1)).toBe(2000);
      expect(await promptly(script)).toBe('connected');
    });

    it('refuses an ErrorResponse longer than 30000 bytes from its header alone', async () => {
      expect(await promptly(sends(header('E', 30001)))).toBe('error:RXPG_MESSAGE_TOO_LARGE');
    });

    it('reads an ErrorResponse under 30000 bytes as the server error it is', async () => {
      const text = 'y'.repeat(29_000);
      expect(await promptly(sends(errorResponse('28000', text)))).toBe('error:28000');
    });

    it('refuses a ParameterStatus longer than 30000 bytes before authentication', async () => {
      expect(await promptly(sends(header('S', 40_000)))).toBe('error:RXPG_MESSAGE_TOO_LARGE');
    });
  });

  describe('lengths', () => {
    it.each([
      ['a negative length', 0xffffffff],
      ['a length below its own four bytes', 3],
      ['a zero length', 0],
    ])('refuses a message with %s', async (_name, length) => {
      expect(await promptly(sends(header('R', length)))).toBe('error:RXPG_PROTOCOL_VIOLATION');
    });

    it('refuses an absurd length after authentication, above maxMessageSize, at once', async () => {
      const script = async (session: FakeSession): Promise<void> => {
        session.send(Buffer.concat([authOk(), sessionStart()]));
        await session.next(); // the Query
        session.send(message('T', rowDescription()));
        session.send(header('D', 0x7ffffff0));
        await session.closed();
      };
      server = await fakeServer(script);
      const started = Date.now();
      const error = await firstValueFrom(
        connect(
          { host: '127.0.0.1', port: String(server.port), user: 'alice', sslmode: 'disable' },
          { env: {} },
        ).pipe(switchMap((conn) => conn.query('select 1'))),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RxpgError);
      expect(error).toMatchObject({ code: 'RXPG_MESSAGE_TOO_LARGE' });
      expect(Date.now() - started).toBeLessThan(PROMPT_MS);
    });

    it('applies maxMessageSize to every message once authenticated', async () => {
      const big = message('S', Buffer.from(`application_name\0${'z'.repeat(70_000)}\0`));
      const script = sends(Buffer.concat([authOk(), big, sessionStart()]));
      expect(await promptly(script, {}, { maxMessageSize: 65_536 })).toBe(
        'error:RXPG_MESSAGE_TOO_LARGE',
      );
      await server?.close();
      expect(await promptly(script, {}, { maxMessageSize: 1 << 20 })).toBe('connected');
    });
  });

  describe('SCRAM from a server that does not know the password', () => {
    it('refuses a wrong server signature', async () => {
      const { script } = scramScript(['SCRAM-SHA-256'], { wrongSignature: true });
      expect(await promptly(script)).toBe('error:RXPG_SASL_FAILED');
    });

    it.each(['replace', 'echo'] as const)(
      'refuses a server nonce that does not extend the client nonce (%s)',
      async (nonce) => {
        const { script } = scramScript(['SCRAM-SHA-256'], { nonce });
        expect(await promptly(script)).toBe('error:RXPG_SASL_FAILED');
      },
    );

    it('refuses an iteration count over the default ceiling of 1,000,000 before deriving', async () => {
      const { script } = scramScript(['SCRAM-SHA-256'], { iterations: 100_000_000 });
      expect(await promptly(script)).toBe('error:RXPG_SASL_FAILED');
    });

    it('refuses an iteration count over maxScramIterations, and accepts one under it', async () => {
      const tooMany = scramScript(['SCRAM-SHA-256'], { iterations: 10_000 });
      expect(await promptly(tooMany.script, {}, { maxScramIterations: 5_000 })).toBe(
        'error:RXPG_SASL_FAILED',
      );
      await server?.close();
      const fine = scramScript(['SCRAM-SHA-256'], { iterations: 4_096 });
      expect(await promptly(fine.script, {}, { maxScramIterations: 5_000 })).toBe('connected');
    });

    it('refuses a malformed server-first-message', async () => {
      const script = async (session: FakeSession): Promise<void> => {
        session.send(authSasl(['SCRAM-SHA-256']));
        await session.next();
        session.send(authSaslContinue('nonsense'));
        await session.closed();
      };
      expect(await promptly(script)).toBe('error:RXPG_SASL_FAILED');
    });

    it('refuses AuthenticationOk before SASLFinal (stricter than libpq, which accepts it)', async () => {
      const { script } = scramScript(['SCRAM-SHA-256'], { skipFinal: true });
      expect(await promptly(script)).toBe('error:RXPG_SASL_FAILED');
    });

    it('completes with an honest server', async () => {
      const { script, exchanges } = scramScript(['SCRAM-SHA-256']);
      expect(await promptly(script)).toBe('connected');
      expect(exchanges[0].proofValid).toBe(true);
      expect(PASSWORD).not.toBe('');
    });
  });

  describe('messages out of place', () => {
    it('refuses an unknown authentication request', async () => {
      expect(await promptly(sends(auth(99)))).toBe('error:RXPG_PROTOCOL_VIOLATION');
    });

    it('refuses a data row before authentication', async () => {
      expect(await promptly(sends(message('D', Buffer.alloc(2))))).toBe(
        'error:RXPG_PROTOCOL_VIOLATION',
      );
    });

    it('refuses ReadyForQuery before AuthenticationOk', async () => {
      expect(await promptly(sends(message('Z', Buffer.from('I'))))).toBe(
        'error:RXPG_PROTOCOL_VIOLATION',
      );
    });

    it('reports a server that closes in the middle of a message', async () => {
      const script = async (session: FakeSession): Promise<void> => {
        session.send(header('R', 12));
        session.end();
      };
      expect(await promptly(script)).toBe('error:RXPG_CONNECTION_CLOSED');
    });

    it('gives up after connect_timeout on a server that never answers', async () => {
      server = await fakeServer((session) => session.closed());
      const started = Date.now();
      expect(await attempt(server, { sslmode: 'disable', connect_timeout: '1' })).toBe(
        'error:RXPG_TIMEOUT',
      );
      expect(Date.now() - started).toBeLessThan(PROMPT_MS);
    });
  });
});

/** RowDescription with one int4 column named `one`. */
function rowDescription(): Buffer {
  const field = Buffer.alloc(18);
  field.writeInt32BE(0, 0); // table oid
  field.writeInt16BE(0, 4); // column number
  field.writeInt32BE(23, 6); // int4
  field.writeInt16BE(4, 10); // size
  field.writeInt32BE(-1, 12); // modifier
  field.writeInt16BE(0, 16); // text format
  const count = Buffer.alloc(2);
  count.writeInt16BE(1, 0);
  return Buffer.concat([count, Buffer.from('one\0'), field]);
}
