import { createServer, connect as connectTcp, type Server } from 'node:net';
import { lastValueFrom, of, toArray, type Subscription } from 'rxjs';
import { connect, ErrorCode, type ConnectOptions } from '../../src';
import type { Connection } from '../../src/connection/connection';
import { useCluster } from '../support/cluster';
import { lateCancelProxy, type FaultProxy } from '../support/fault-proxy';
import { oneTo, seriesRows } from '../support/series-rows';
import { CLEAN_ENV } from '../support/outcome';

/** Known quick on a fresh connection; the head that is abandoned after its first 1,000 rows. */
const BIG = 'select g from generate_series(1, $1::int) g';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** 'ok' with the value, or the code of the error. */
async function settle<T>(work: Promise<T>): Promise<{ ok: T } | { error: string }> {
  try {
    return { ok: await work };
  } catch (error) {
    return { error: (error as { code?: string }).code ?? String(error) };
  }
}

/**
 * Subscribes a big head and unsubscribes it after 1,000 rows, while the requests subscribed in
 * the same job are written behind it: it is cancelled, and a late cancel may reach them.
 */
function abandonHead(conn: Connection, rows = 300_000, then?: () => void): void {
  let seen = 0;
  let head: Subscription | undefined = undefined;
  head = conn.executeStatement(BIG, [rows]).subscribe(() => {
    seen += 1;
    if (seen === 1_000) {
      head?.unsubscribe();
      then?.();
    }
  });
}

describe('followers of an abandoned request on one connection', () => {
  const cluster = useCluster();
  let proxy: FaultProxy;
  const opened: Subscription[] = [];

  beforeEach(async () => {
    // The cancel meant for the head lands 400 ms late, on whatever runs then.
    proxy = await lateCancelProxy(cluster().port);
  });
  afterEach(async () => {
    for (const subscription of opened.splice(0)) subscription.unsubscribe();
    await proxy.close();
  });

  /** A raw connection, through the late-cancel proxy unless told otherwise. */
  function open(port = proxy.port, options: ConnectOptions = {}): Promise<Connection> {
    return new Promise((resolve, reject) => {
      opened.push(
        connect(
          {
            host: '127.0.0.1',
            port: String(port),
            dbname: 'postgres',
            user: cluster().user,
            sslmode: 'disable',
          },
          { env: CLEAN_ENV, ...options },
        ).subscribe({ next: resolve, error: reject }),
      );
    });
  }

  async function count(table: string): Promise<number> {
    const [row] = await cluster().admin<{ n: number }>(`select count(*)::int as n from ${table}`);
    return row.n;
  }

  it('a single insert the late cancel reaches fails with 57014, rolled back and not run again', async () => {
    await cluster().admin('create table cf_insert (id int)');
    const conn = await open();
    abandonHead(conn);
    const insert = settle(
      lastValueFrom(
        conn.executeStatement<{ id: number }>(
          'insert into cf_insert select 1 from pg_sleep(1) returning id',
        ),
      ),
    );
    expect(await insert).toEqual({ error: '57014' });
    expect(proxy.accepted()).toBe(2);
    await sleep(1_200);
    expect(await count('cf_insert')).toBe(0);
    expect(conn.transactionStatus).toBe('I');
    expect(await lastValueFrom(conn.executeStatement<{ n: number }>('select 4 as n'))).toEqual({
      n: 4,
    });
  });

  it('rows a follower streamed before a stray 57014 are each delivered once, in order', async () => {
    const conn = await open();
    abandonHead(conn);
    const { seen, ending } = seriesRows(
      conn.executeStatement<{ g: number }>(
        'select g, case when g > 20000 then pg_sleep(0.05) end as s from generate_series(1, 20100) g',
      ),
    );
    expect(await ending).toBe('57014');
    expect(seen.length).toBeGreaterThanOrEqual(20_000);
    expect(seen).toEqual(oneTo(seen.length));
  });

  it('a follower inside a pipelined transaction that the late cancel reaches fails; the transaction ends clean', async () => {
    await cluster().admin('create table cf_tx (id int)');
    const conn = await open();
    const begin = lastValueFrom(conn.query('begin'), { defaultValue: undefined });
    abandonHead(conn);
    const insert = settle(
      lastValueFrom(
        conn.executeStatement('insert into cf_tx select 1 from pg_sleep(1) returning id'),
      ),
    );
    const commit = settle(lastValueFrom(conn.query('commit'), { defaultValue: 'done' }));
    await begin;
    // The late cancel lands on the insert, inside the transaction: its error surfaces and the
    // commit rolls back (on a busy machine it may still reach the head: the insert then fails
    // in the aborted transaction).
    expect([{ error: '57014' }, { error: '25P02' }]).toContainEqual(await insert);
    expect(await commit).toEqual({ ok: 'done' });
    expect(conn.transactionStatus).toBe('I');
    expect(await count('cf_tx')).toBe(0);
    expect(await lastValueFrom(conn.executeStatement<{ n: number }>('select 5 as n'))).toEqual({
      n: 5,
    });
  });

  it('a follower in a transaction whose head the cancel reached fails, and the commit rolls back', async () => {
    await cluster().admin('create table cf_tx2 (id int)');
    const conn = await open(cluster().port);
    const begin = lastValueFrom(conn.query('begin'), { defaultValue: undefined });
    abandonHead(conn, 3_000_000);
    const insert = settle(lastValueFrom(conn.executeStatement('insert into cf_tx2 values (1)')));
    const commit = settle(lastValueFrom(conn.query('commit'), { defaultValue: 'done' }));
    await begin;
    expect(await insert).toEqual({ error: '25P02' });
    expect(await commit).toEqual({ ok: 'done' });
    expect(conn.transactionStatus).toBe('I');
    expect(await count('cf_tx2')).toBe(0);
  });

  it('a follower abandoned while the cancel of the one ahead is still out gets a cancel of its own', async () => {
    // The server's close of each cancel socket reaches rxpg a second late: the second abandoned
    // request comes to the head while the first cancel is still out.
    const lateClose = await proxyClosingCancelsLate(cluster().port, 1_000);
    try {
      const conn = await open(lateClose.port, { cancelTimeout: 8_000 });
      const first = conn.executeStatement('select pg_sleep(5)').subscribe({ error: () => {} });
      const second = conn.executeStatement('select pg_sleep(30)').subscribe({ error: () => {} });
      const started = performance.now();
      const third = lastValueFrom(conn.executeStatement<{ n: number }>('select 3 as n'));
      await sleep(50);
      first.unsubscribe();
      second.unsubscribe();
      expect(await third).toEqual({ n: 3 });
      // Well before either sleep or the cancel bound ends: the second request got a cancel of its
      // own once the first was done, or (seen with PostgreSQL 15) the first cancel ended it too.
      expect(performance.now() - started).toBeLessThan(4_000);
      expect([1, 2]).toContain(lateClose.cancels());
    } finally {
      await lateClose.close();
    }
  });

  it('63 quick followers of an abandoned head each get their own value', async () => {
    const conn = await open();
    abandonHead(conn);
    const values = await Promise.all(
      Array.from({ length: 63 }, (_, i) =>
        lastValueFrom(conn.executeStatement<{ n: number }>('select $1::int as n', [i])).then(
          (row) => row.n,
        ),
      ),
    );
    expect(values).toEqual(Array.from({ length: 63 }, (_, i) => i));
  });

  it('a follower of 5,000 rows gets each once, in order, when the cancel reached the head', async () => {
    const conn = await open(cluster().port);
    abandonHead(conn, 3_000_000);
    const rows = await lastValueFrom(
      conn.executeStatement<{ g: number }>(BIG, [5_000]).pipe(toArray()),
    );
    expect(rows.map((row) => row.g)).toEqual(Array.from({ length: 5_000 }, (_, i) => i + 1));
  });

  it('COPY TO, COPY FROM and a cursor subscribed behind an abandoned head and its follower run whole; the follower fails', async () => {
    await cluster().admin('create table cf_copy (id int)');
    const conn = await open();
    abandonHead(conn);
    // Written behind the head, the late cancel reaches it; the rest wait for the cancel.
    const follower = settle(
      lastValueFrom(conn.executeStatement<{ v: number }>('select pg_sleep(1), 1 as v')),
    );
    const copied = lastValueFrom(conn.copyFrom('copy cf_copy from stdin', ['1\n2\n3\n']));
    const out = lastValueFrom(
      conn.copyTo('copy (select generate_series(1, 3)) to stdout').pipe(toArray()),
    );
    const batches = lastValueFrom(
      conn
        .cursor<{ g: number }, number>(BIG, [2_500], (rows) => of(rows.length), {
          batchSize: 1_000,
        })
        .pipe(toArray()),
    );
    expect(await follower).toEqual({ error: '57014' });
    expect(await copied).toBe(3);
    expect(Buffer.concat(await out).toString()).toBe('1\n2\n3\n');
    expect(await batches).toEqual([1_000, 1_000, 500]);
    expect(await count('cf_copy')).toBe(3);
  });

  it('query() of COPY FROM STDIN behind an abandoned head ends with an error, the connection goes on', async () => {
    await cluster().admin('create table cf_copy_in (id int)');
    const conn = await open(cluster().port);
    abandonHead(conn, 3_000_000);
    const copy = settle(
      lastValueFrom(conn.query('copy cf_copy_in from stdin'), { defaultValue: 0 }),
    );
    expect(await copy).toEqual({ error: '57014' });
    expect(await lastValueFrom(conn.executeStatement<{ n: number }>('select 6 as n'))).toEqual({
      n: 6,
    });
    expect(await count('cf_copy_in')).toBe(0);
  });

  it('a backend terminated while a follower streams behind an abandoned head fails every request, none hangs', async () => {
    const conn = await open(cluster().port);
    const pid = conn.processId;
    abandonHead(conn, 3_000_000);
    const { seen, ending: streaming } = seriesRows(
      conn.executeStatement<{ g: number }>(
        'select g, pg_sleep(0.05) as s from generate_series(1, 100) g',
      ),
    );
    const behind = settle(lastValueFrom(conn.executeStatement('select 1 as n')));
    await sleep(700);
    await cluster().admin('select pg_terminate_backend($1)', [pid]);
    expect(await streaming).toBe('57P01');
    expect(seen).toEqual(oneTo(seen.length));
    expect(await behind).toEqual({ error: ErrorCode.ConnectionClosed });
    expect(conn.connectionState).toBe('closed');
  });

  it('close() while a follower streams behind an abandoned head fails every request and ends the backend', async () => {
    const conn = await open(cluster().port);
    const pid = conn.processId;
    abandonHead(conn, 3_000_000);
    const streaming = settle(
      lastValueFrom(
        conn.executeStatement('select g, pg_sleep(0.05) as s from generate_series(1, 100) g'),
      ),
    );
    const behind = settle(lastValueFrom(conn.executeStatement('select 1 as n')));
    await sleep(700);
    conn.close();
    expect(await streaming).toEqual({ error: ErrorCode.ConnectionUnusable });
    expect(await behind).toEqual({ error: ErrorCode.ConnectionUnusable });
    const deadline = Date.now() + 5_000;
    let left = 1;
    while (left > 0 && Date.now() < deadline) {
      await sleep(50);
      [{ n: left }] = await cluster().admin<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where pid = $1',
        [pid],
      );
    }
    expect(left).toBe(0);
  });
});

/**
 * A proxy to 127.0.0.1:`target` that passes every connection after the first (the cancel
 * sockets) on, but lets the server's close of them reach the client only `lateMs` later.
 */
async function proxyClosingCancelsLate(
  target: number,
  lateMs: number,
): Promise<{ port: number; cancels: () => number; close: () => Promise<void> }> {
  let accepted = 0;
  const sockets = new Set<import('node:net').Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((client) => {
    const late = accepted++ >= 1;
    const upstream = connectTcp(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      if (!late) return client.destroy();
      const timer = setTimeout(() => {
        timers.delete(timer);
        client.destroy();
      }, lateMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    cancels: () => accepted - 1,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
