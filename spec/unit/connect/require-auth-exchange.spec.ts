import { authCleartext, authMd5, authOk, authSasl, sessionStart } from './backend-messages';
import { RxpgError } from '../../../src/errors';
import {
  attempt,
  connectError,
  noPasswordMessage,
  passwordNeverSeen,
  scramScript,
} from './exchange';
import { fakeServer, type FakeServer, type FakeSession } from './fake-server';

/** What the scripted server asks for before letting the client in. */
type Ask = 'password' | 'md5' | 'scram-sha-256' | 'none';

/** A server that asks for `ask`, accepts whatever answer comes, and lets the client in. */
function asking(ask: Ask): (session: FakeSession) => Promise<void> {
  if (ask === 'scram-sha-256') return scramScript(['SCRAM-SHA-256']).script;
  return async (session) => {
    if (ask !== 'none') {
      session.send(ask === 'md5' ? authMd5() : authCleartext());
      const answered = await session.next().then(
        () => true,
        () => false,
      );
      if (!answered) return;
    }
    session.send(Buffer.concat([authOk(), sessionStart()]));
    await session.closed();
  };
}

/**
 * require_auth against each request a server can make. A refused request is never answered:
 * the password does not leave the client.
 */
const table: [string, Ask, 'connected' | 'refused'][] = [
  ['password', 'password', 'connected'],
  ['password', 'md5', 'refused'],
  ['password', 'scram-sha-256', 'refused'],
  ['password', 'none', 'refused'],
  ['md5', 'md5', 'connected'],
  ['md5', 'password', 'refused'],
  ['scram-sha-256', 'scram-sha-256', 'connected'],
  ['scram-sha-256', 'password', 'refused'],
  ['scram-sha-256', 'md5', 'refused'],
  ['scram-sha-256', 'none', 'refused'],
  ['none', 'none', 'connected'],
  ['none', 'password', 'refused'],
  ['none', 'scram-sha-256', 'refused'],
  ['!password', 'password', 'refused'],
  ['!password', 'md5', 'connected'],
  ['!password', 'none', 'connected'],
  ['!md5,!password', 'scram-sha-256', 'connected'],
  ['!md5,!password', 'md5', 'refused'],
  ['!none', 'none', 'refused'],
  ['!none', 'password', 'connected'],
  ['password,none', 'none', 'connected'],
  ['password,none', 'password', 'connected'],
  ['scram-sha-256,none', 'md5', 'refused'],
];

describe('require_auth against a scripted server', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.each(table)('require_auth=%s, server asks for %s: %s', async (rule, ask, expected) => {
    server = await fakeServer(asking(ask));
    const result = await attempt(server, { sslmode: 'disable', require_auth: rule });
    if (expected === 'connected') {
      expect(result).toBe('connected');
      return;
    }
    expect(result).toBe('error:RXPG_AUTH_REFUSED');
    expect(noPasswordMessage(server)).toBe(true);
    expect(passwordNeverSeen(server)).toBe(true);
  });

  it('require_auth=scram-sha-256 refuses a server that says AuthenticationOk before SASLFinal', async () => {
    const { script } = scramScript(['SCRAM-SHA-256'], { skipFinal: true });
    server = await fakeServer(script);
    expect(await attempt(server, { sslmode: 'disable', require_auth: 'scram-sha-256' })).toBe(
      'error:RXPG_SASL_FAILED',
    );
  });

  it('names the rule and the request in its message', async () => {
    server = await fakeServer(asking('password'));
    const error = await connectError(server, {
      sslmode: 'disable',
      require_auth: 'scram-sha-256,none',
    });
    expect(error).toBeInstanceOf(RxpgError);
    expect(error).toMatchObject({
      message:
        'authentication method requirement "scram-sha-256,none" failed: ' +
        'server requested a cleartext password',
    });
  });

  it('a refused SASL request is not answered: no SASLInitialResponse is sent', async () => {
    server = await fakeServer(async (session) => {
      session.send(authSasl(['SCRAM-SHA-256']));
      await session.next().catch(() => undefined);
    });
    expect(await attempt(server, { sslmode: 'disable', require_auth: 'md5' })).toBe(
      'error:RXPG_AUTH_REFUSED',
    );
    expect(noPasswordMessage(server)).toBe(true);
  });
});
