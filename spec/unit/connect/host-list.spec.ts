import { authCleartext, authOk, errorResponse, sessionStart } from './backend-messages';
import { attempt, noPasswordMessage } from './exchange';
import { fakeServer, type FakeServer, type FakeSession } from './fake-server';

/** Lets every client in. */
async function trusting(session: FakeSession): Promise<void> {
  session.send(Buffer.concat([authOk(), sessionStart()]));
  await session.closed();
}

/** Answers the startup with an ErrorResponse of this SQLSTATE. */
function refusing(code: string): (session: FakeSession) => Promise<void> {
  return async (session) => {
    session.send(errorResponse(code, 'go away'));
    session.end();
  };
}

/**
 * With several hosts, libpq goes on to the next only when a host could not be reached,
 * timed out, or said it cannot accept connections now (57P03); any other failure is final.
 */
describe('several hosts against scripted servers', () => {
  const servers: FakeServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function hosts(
    first: (session: FakeSession) => Promise<void>,
    params: Record<string, string> = {},
  ): Promise<{ result: string; second: FakeServer }> {
    const one = await fakeServer(first);
    const two = await fakeServer(trusting);
    servers.push(one, two);
    const result = await attempt(one, {
      host: '127.0.0.1,127.0.0.1',
      port: `${one.port},${two.port}`,
      sslmode: 'disable',
      ...params,
    });
    return { result, second: two };
  }

  it('goes on to the next host after 57P03 (cannot connect now)', async () => {
    const { result, second } = await hosts(refusing('57P03'));
    expect(result).toBe('connected');
    expect(second.raw.length).toBe(1);
  });

  it('stops at a host that refuses the session (28000), as libpq does', async () => {
    const { result, second } = await hosts(refusing('28000'));
    expect(result).toBe('error:28000');
    expect(second.raw.length).toBe(0);
  });

  it('goes on to the next host when the first exceeds connect_timeout', async () => {
    const { result, second } = await hosts((session) => session.closed(), {
      connect_timeout: '1',
    });
    expect(result).toBe('connected');
    expect(second.raw.length).toBe(1);
  });

  it('stops when the client itself refuses a request of the first host', async () => {
    const { result, second } = await hosts(
      async (session) => {
        session.send(authCleartext());
        await session.closed();
      },
      { require_auth: 'scram-sha-256' },
    );
    expect(result).toBe('error:RXPG_AUTH_REFUSED');
    expect(second.raw.length).toBe(0);
    expect(servers.every(noPasswordMessage)).toBe(true);
  });
});
