import { authOk, sessionStart } from './backend-messages';
import { attempt } from './exchange';
import { fakeServer, type FakeServer, type FakeSession } from './fake-server';

/** Lets the client in at once, remembering the session's TLS facts. */
function trusting(sessions: FakeSession[]): (session: FakeSession) => Promise<void> {
  return async (session) => {
    sessions.push(session);
    session.send(Buffer.concat([authOk(), sessionStart()]));
    await session.closed();
  };
}

describe('direct TLS (sslnegotiation=direct) and ALPN against a scripted server', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('starts TLS with the first byte, no SSLRequest, and settles on ALPN postgresql', async () => {
    const sessions: FakeSession[] = [];
    server = await fakeServer(trusting(sessions), { ssl: 'direct', alpn: ['postgresql'] });
    expect(await attempt(server, { sslmode: 'require', sslnegotiation: 'direct' })).toBe(
      'connected',
    );
    expect(sessions[0].encrypted).toBe(true);
    expect(sessions[0].alpnProtocol).toBe('postgresql');
  });

  it('takes sslnegotiation from PGSSLNEGOTIATION', async () => {
    server = await fakeServer(trusting([]), { ssl: 'direct', alpn: ['postgresql'] });
    const env = { HOME: '/nonexistent-rxpg-home', PGSSLNEGOTIATION: 'direct' };
    expect(await attempt(server, { sslmode: 'require' }, { env })).toBe('connected');
  });

  it('refuses a direct TLS server that negotiates no ALPN protocol', async () => {
    server = await fakeServer(trusting([]), { ssl: 'direct' });
    expect(await attempt(server, { sslmode: 'require', sslnegotiation: 'direct' })).toBe(
      'error:RXPG_TLS_FAILED',
    );
  });

  it.each(['disable', 'allow', 'prefer'])(
    'refuses sslnegotiation=direct with the weak sslmode %s before connecting',
    async (sslmode) => {
      server = await fakeServer(trusting([]), { ssl: 'direct', alpn: ['postgresql'] });
      expect(await attempt(server, { sslmode, sslnegotiation: 'direct' })).toBe(
        'error:RXPG_INVALID_CONFIG',
      );
      expect(server.raw).toEqual([]);
    },
  );

  it('offers ALPN postgresql after SSLRequest too, as libpq 17 and later do', async () => {
    const sessions: FakeSession[] = [];
    server = await fakeServer(trusting(sessions), { ssl: 'S', alpn: ['postgresql'] });
    expect(await attempt(server, { sslmode: 'require' })).toBe('connected');
    expect(sessions[0].alpnProtocol).toBe('postgresql');
  });

  it('accepts a server that answers SSLRequest without ALPN (older servers)', async () => {
    server = await fakeServer(trusting([]), { ssl: 'S' });
    expect(await attempt(server, { sslmode: 'require' })).toBe('connected');
  });
});
