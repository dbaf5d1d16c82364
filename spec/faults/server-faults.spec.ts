import { firstValueFrom, lastValueFrom, type Observable } from 'rxjs';
import { connect, type Connection } from '../../src';
import { CLEAN_ENV } from '../support/outcome';
import { clientVia, eventually, faultSessions, killServer, paramsVia } from './helpers';
import { useFaultProxy } from './fault-setup';
import { codeOf } from './watch';

/** How long a fault may take to reach every affected observable. */
const BOUND_MS = 5_000;

/** The error an observable ends with, and how long it took; fails if it completes instead. */
async function failure(work: Observable<unknown>): Promise<{ code?: string; ms: number }> {
  const started = Date.now();
  try {
    await lastValueFrom(work, { defaultValue: undefined });
  } catch (error) {
    return { code: codeOf(error), ms: Date.now() - started };
  }
  throw new Error('completed instead of failing');
}

/** A connection through `port`; `ended` resolves with the code it ended with. */
async function openVia(port: number) {
  let endedWith: (outcome: { code?: string }) => void = () => undefined;
  const ended = new Promise<{ code?: string }>((resolve) => {
    endedWith = resolve;
  });
  let close = (): void => undefined;
  const connection = await new Promise<Connection>((resolve, reject) => {
    const subscription = connect(paramsVia(cluster(), port), { env: CLEAN_ENV }).subscribe({
      next: resolve,
      error: (error: unknown) => {
        reject(error);
        endedWith({ code: codeOf(error) });
      },
      complete: () => endedWith({}),
    });
    close = () => subscription.unsubscribe();
  });
  return { connection, ended, close };
}

const { cluster, proxy, nothingLeft } = useFaultProxy();

describe('faults on the server side', () => {
  it('a server killed mid-query fails the query with a stable code, and the Client recovers once it is back', async () => {
    const client = clientVia(cluster(), proxy().port, { maxConnections: 2, cancelTimeout: 1_000 });
    await lastValueFrom(client.query('select 1'));
    const running = failure(client.query('select pg_sleep(30)'));
    await eventually(async () =>
      (await faultSessions(cluster())).some((s) => s.state === 'active'),
    );
    await killServer(cluster());
    const outcome = await running;
    expect(['57P01', 'RXPG_CONNECTION_CLOSED']).toContain(outcome.code);
    expect(outcome.ms).toBeLessThan(BOUND_MS);

    // While the server is down, queries fail at once with a code, never hang: the proxy
    // accepts, then closes when it cannot reach the server.
    const down = await failure(client.query('select 1'));
    expect(['RXPG_CONNECT_FAILED', 'RXPG_CONNECTION_CLOSED']).toContain(down.code);
    expect(down.ms).toBeLessThan(BOUND_MS);

    await cluster().restart();
    expect(await lastValueFrom(client.query<{ n: number }>('select 2 as n'))).toEqual({ n: 2 });
    await client.close();
    await nothingLeft();
  });

  it.each([
    ['query', (conn: Connection) => conn.query('select pg_sleep(30)')],
    ['statement', (conn: Connection) => conn.executeStatement('select pg_sleep($1)', [30])],
  ])(
    'a terminated backend fails its running %s with the FATAL 57P01 the server sent, and ends its connection',
    async (_, run) => {
      const { connection, ended, close } = await openVia(proxy().port);
      const running = failure(run(connection));
      await eventually(async () =>
        (await faultSessions(cluster())).some((s) => s.state === 'active'),
      );
      await cluster().admin('select pg_terminate_backend($1)', [connection.processId]);
      const outcome = await running;
      expect(outcome.code).toBe('57P01');
      expect(outcome.ms).toBeLessThan(BOUND_MS);
      expect(await ended).toEqual({ code: 'RXPG_CONNECTION_CLOSED' });
      close();
      await nothingLeft();
    },
  );

  it("a Client's query whose backend is terminated reports the FATAL 57P01, and the Client replaces the connection", async () => {
    const client = clientVia(cluster(), proxy().port, { maxConnections: 1 });
    const running = failure(client.executeStatement('select pg_sleep($1)', [30]));
    await eventually(async () =>
      (await faultSessions(cluster())).some((s) => s.state === 'active'),
    );
    const [session] = await faultSessions(cluster());
    await cluster().admin('select pg_terminate_backend($1)', [session?.pid]);
    const outcome = await running;
    expect(outcome.code).toBe('57P01');
    expect(outcome.ms).toBeLessThan(BOUND_MS);
    expect(await lastValueFrom(client.query<{ n: number }>('select 3 as n'))).toEqual({ n: 3 });
    await client.close();
    await nothingLeft();
  });

  it('an idle connection terminated by the server ends with RXPG_CONNECTION_CLOSED, and the Client replaces it', async () => {
    const client = clientVia(cluster(), proxy().port, { maxConnections: 1 });
    await lastValueFrom(client.query('select 1'));
    const [session] = await faultSessions(cluster());
    await cluster().admin('select pg_terminate_backend($1)', [session?.pid]);
    // Once the client has seen the socket end, the pool no longer holds that connection.
    await eventually(() => client.stats.total === 0);
    expect(await lastValueFrom(client.query<{ n: number }>('select 3 as n'))).toEqual({ n: 3 });
    await client.close();
    await nothingLeft();
  });

  it('connections cut under a running Client fail their queries and are replaced', async () => {
    const client = clientVia(cluster(), proxy().port, { maxConnections: 3 });
    const running = [1, 2, 3].map(() => failure(client.query('select pg_sleep(30)')));
    await eventually(
      async () => (await faultSessions(cluster())).filter((s) => s.state === 'active').length === 3,
    );
    proxy().cutAll();
    for (const outcome of await Promise.all(running)) {
      expect(outcome.code).toBe('RXPG_CONNECTION_CLOSED');
      expect(outcome.ms).toBeLessThan(BOUND_MS);
    }
    expect(await firstValueFrom(client.query<{ n: number }>('select 4 as n'))).toEqual({ n: 4 });
    await client.close();
    await nothingLeft();
  });
});
