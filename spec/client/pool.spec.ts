import {
  concat,
  firstValueFrom,
  lastValueFrom,
  map,
  merge,
  range,
  mergeMap,
  take,
  toArray,
  defer,
} from 'rxjs';
import { Client, ErrorCode, RxpgError, type PoolStats } from '../../src';
import { useCluster } from '../support/cluster';
import { CLEAN_ENV } from '../support/outcome';
import { backends, clientOf, eventually, sleep } from './helpers';

const pid$ = (client: Client) =>
  client.query<{ pid: number }>('select pg_backend_pid() as pid').pipe(map((r) => r.pid));
const pidOf = (client: Client) => lastValueFrom(pid$(client));

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'no error';
  } catch (error) {
    return error instanceof RxpgError ? error.code : String(error);
  }
}

describe('Client pool against a real server', () => {
  const cluster = useCluster();

  it('connects lazily: no connection before the first query', async () => {
    const client = clientOf(cluster(), {}, 'rxpg-lazy');
    await sleep(100);
    expect(client.stats).toEqual({ total: 0, idle: 0, waiting: 0 });
    expect(await backends(cluster(), 'rxpg-lazy')).toHaveLength(0);
    expect(await lastValueFrom(client.executeStatement('select $1::int as n', [7]))).toEqual({
      n: 7,
    });
    expect(client.stats).toEqual({ total: 1, idle: 1, waiting: 0 });
  });

  it('runs more subscribers than maxConnections, all complete, never over the limit on the server', async () => {
    const client = clientOf(cluster(), { maxConnections: 3 }, 'rxpg-limit');
    let running = true;
    let serverMax = 0;
    const sampling = (async () => {
      while (running) {
        serverMax = Math.max(serverMax, (await backends(cluster(), 'rxpg-limit')).length);
        await sleep(5);
      }
    })();
    const seen: PoolStats[] = [];
    const stats = client.stats$.subscribe((s) => seen.push(s));
    const results = await lastValueFrom(
      range(1, 40).pipe(
        mergeMap((i) =>
          client.executeStatement<{ n: number }>('select $1::int as n, pg_sleep(0.02)', [i]),
        ),
        map((row) => row.n),
        toArray(),
      ),
    );
    running = false;
    await sampling;
    stats.unsubscribe();
    expect(results.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(serverMax).toBeGreaterThan(0);
    expect(serverMax).toBeLessThanOrEqual(3);
    expect(Math.max(...seen.map((s) => s.total))).toBe(3);
    expect(Math.max(...seen.map((s) => s.waiting))).toBeGreaterThanOrEqual(37);
    expect(seen[seen.length - 1]).toEqual({ total: 3, idle: 3, waiting: 0 });
  });

  it('reuses one connection for queries run one after another', async () => {
    const client = clientOf(cluster());
    const pids = await lastValueFrom(
      concat(pid$(client), pid$(client), pid$(client), pid$(client)).pipe(toArray()),
    );
    expect(new Set(pids).size).toBe(1);
    expect(client.stats.total).toBe(1);
  });

  it('rolls back a transaction left open before lending the connection again', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 });
    const before = await pidOf(client);
    await lastValueFrom(client.query('begin; create table left_open (x int)'), {
      defaultValue: undefined,
    });
    const after = await lastValueFrom(
      client.query<{ pid: number; tables: number }>(
        "select pg_backend_pid() as pid, count(*)::int as tables from pg_tables where tablename = 'left_open'",
      ),
    );
    expect(after).toEqual({ pid: before, tables: 0 });
    const [server] = await cluster().admin<{ state: string }>(
      'select state from pg_stat_activity where pid = $1',
      [before],
    );
    expect(server.state).toBe('idle');
  });

  it('rolls back a failed transaction (status E) before lending the connection again', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 });
    const before = await pidOf(client);
    await expect(lastValueFrom(client.query('begin; select 1/0'))).rejects.toMatchObject({
      code: '22012',
    });
    expect(await pidOf(client)).toBe(before);
  });

  it('takes back a connection abandoned mid-query only once it is idle', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 });
    const before = await pidOf(client);
    const first = await lastValueFrom(
      client
        .query<{ i: number }>('select i from generate_series(1, 200000) i')
        .pipe(take(10), toArray()),
    );
    expect(first.map((r) => r.i)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await lastValueFrom(client.query('select 42 as n, pg_backend_pid() as pid'))).toEqual({
      n: 42,
      pid: before,
    });
    expect(client.stats).toEqual({ total: 1, idle: 1, waiting: 0 });
  });

  it('replaces a connection whose backend was terminated', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 });
    const before = await pidOf(client);
    await cluster().admin('select pg_terminate_backend($1)', [before]);
    await eventually(() => client.stats.total === 0);
    const after = await pidOf(client);
    expect(after).not.toBe(before);
    expect(client.stats).toEqual({ total: 1, idle: 1, waiting: 0 });
  });

  it('fails a request that waited longer than acquireTimeout with RXPG_ACQUIRE_TIMEOUT', async () => {
    const client = clientOf(cluster(), { maxConnections: 1, acquireTimeout: 100 });
    const busy = lastValueFrom(client.query('select pg_sleep(0.5)'));
    expect(await codeOf(lastValueFrom(client.query('select 1')))).toBe(ErrorCode.AcquireTimeout);
    await busy;
    expect(client.stats).toEqual({ total: 1, idle: 1, waiting: 0 });
  });

  it('bounds the wait queue with maxWaiting: one more request fails with RXPG_POOL_QUEUE_FULL', async () => {
    const client = clientOf(cluster(), { maxConnections: 1, maxWaiting: 1 });
    const busy = lastValueFrom(client.query('select pg_sleep(0.3)'));
    const waiting = lastValueFrom(client.query('select 2 as n'));
    expect(await codeOf(lastValueFrom(client.query('select 3')))).toBe(ErrorCode.PoolQueueFull);
    await busy;
    expect(await waiting).toEqual({ n: 2 });
  });

  it('leaves the wait queue when a waiting subscriber unsubscribes', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 });
    await pidOf(client);
    const busy = lastValueFrom(client.query('select pg_sleep(0.2)'));
    const waiting = client.query('select 1').subscribe({ error: () => undefined });
    expect(client.stats.waiting).toBe(1);
    waiting.unsubscribe();
    expect(client.stats.waiting).toBe(0);
    await busy;
  });

  it('closes connections unused for idleTimeout', async () => {
    const client = clientOf(cluster(), { idleTimeout: 150 }, 'rxpg-idle');
    await pidOf(client);
    expect(client.stats.total).toBe(1);
    await eventually(() => client.stats.total === 0);
    await eventually(async () => (await backends(cluster(), 'rxpg-idle')).length === 0);
  });

  it('retires connections older than maxLifetime', async () => {
    const client = clientOf(cluster(), { maxLifetime: 150 });
    const first = await pidOf(client);
    await sleep(250);
    expect(await pidOf(client)).not.toBe(first);
  });

  it('autoDisconnect closes each connection once nothing waits for it', async () => {
    const client = clientOf(cluster(), { autoDisconnect: true }, 'rxpg-auto');
    await pidOf(client);
    expect(client.stats).toEqual({ total: 0, idle: 0, waiting: 0 });
    await eventually(async () => (await backends(cluster(), 'rxpg-auto')).length === 0);
  });

  it('runs onConnect on every new connection before its first use', async () => {
    const hooked: number[] = [];
    const client = clientOf(cluster(), {
      maxConnections: 2,
      onConnect: (conn) =>
        defer(() => {
          hooked.push(conn.processId ?? 0);
          return conn.query("set search_path = 'hooked', public");
        }),
    });
    const paths = await lastValueFrom(
      merge(
        client.query<{ search_path: string }>('show search_path; select pg_sleep(0.05)'),
        client.query<{ search_path: string }>('show search_path; select pg_sleep(0.05)'),
      ).pipe(toArray()),
    );
    expect(paths.filter((r) => 'search_path' in r).map((r) => r.search_path)).toEqual([
      'hooked, public',
      'hooked, public',
    ]);
    expect(hooked).toHaveLength(2);
  });

  it('rolls back a transaction that onConnect left open before the first use', async () => {
    const client = clientOf(cluster(), {
      onConnect: (conn) => conn.query('begin; create temporary table hooked (x int)'),
    });
    expect(
      await lastValueFrom(
        client.query("select to_regclass('pg_temp.hooked') is null as gone, 1 as n"),
      ),
    ).toEqual({ gone: true, n: 1 });
  });

  it('fails the waiting request with the error of onConnect, keeping no connection', async () => {
    const client = clientOf(cluster(), {
      onConnect: () => {
        throw new Error('setup failed');
      },
    });
    await expect(lastValueFrom(client.query('select 1'))).rejects.toThrow('setup failed');
    expect(client.stats).toEqual({ total: 0, idle: 0, waiting: 0 });
  });

  it('close() lets running work finish, refuses new work, then closes every connection', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 }, 'rxpg-close');
    const running = lastValueFrom(client.query('select 1 as n, pg_sleep(0.2)'));
    const waiting = lastValueFrom(client.query('select 2 as n'));
    const closed = client.close();
    expect(await codeOf(lastValueFrom(client.query('select 3')))).toBe(ErrorCode.ClientClosed);
    expect(await running).toMatchObject({ n: 1 });
    expect(await waiting).toEqual({ n: 2 });
    await closed;
    expect(client.stats).toEqual({ total: 0, idle: 0, waiting: 0 });
    expect(await lastValueFrom(client.stats$, { defaultValue: 'completed' })).toBe('completed');
    await eventually(async () => (await backends(cluster(), 'rxpg-close')).length === 0);
  });

  it('closeNow() fails running and waiting work at once', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 });
    const running = codeOf(lastValueFrom(client.query('select pg_sleep(2)')));
    const waiting = codeOf(lastValueFrom(client.query('select 2')));
    await sleep(50);
    client.closeNow();
    expect(await running).toBe(ErrorCode.ConnectionUnusable);
    expect(await waiting).toBe(ErrorCode.ClientClosed);
    expect(client.stats).toEqual({ total: 0, idle: 0, waiting: 0 });
  });

  it('throws in the constructor on a misspelt parameter or an invalid pool option', () => {
    expect(() => new Client('hots=localhost', { env: CLEAN_ENV })).toThrow(/hots/);
    expect(() => new Client({}, { env: CLEAN_ENV, maxConnections: 0 })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidConfig }),
    );
    expect(() => new Client({}, { env: CLEAN_ENV, idleTimeout: -1 })).toThrow(/idleTimeout/);
  });

  it('emits pool figures as they change', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 });
    const seen: PoolStats[] = [];
    const stats = client.stats$.subscribe((s) => seen.push(s));
    await lastValueFrom(merge(client.query('select 1'), client.query('select 2')));
    stats.unsubscribe();
    expect(seen[0]).toEqual({ total: 0, idle: 0, waiting: 0 });
    expect(seen).toContainEqual({ total: 1, idle: 0, waiting: 2 });
    expect(seen).toContainEqual({ total: 1, idle: 0, waiting: 1 });
    expect(seen[seen.length - 1]).toEqual({ total: 1, idle: 1, waiting: 0 });
  });

  it('takes ConnectOptions through to its connections (types)', async () => {
    const client = clientOf(cluster(), { types: { 23: (text: string) => `int:${text}` } });
    expect(await firstValueFrom(client.query('select 5::int4 as n'))).toEqual({ n: 'int:5' });
  });
});
