import { firstValueFrom, lastValueFrom, take, toArray, type Subscription } from 'rxjs';
import { Client } from '../../src/client/client';
import { connect } from '../../src/connection/connect';
import type { Connection } from '../../src/connection/connection';
import { useCluster } from '../support/cluster';
import { CLEAN_ENV } from '../support/outcome';
import { sleep, trapUncaught } from './fake-pg';
import { codeOf, settle } from './settle';

const cluster = useCluster({});
let trap: ReturnType<typeof trapUncaught>;
const clients: Client[] = [];
const opened: Subscription[] = [];

beforeEach(() => {
  trap = trapUncaught();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.closeNow();
  for (const s of opened.splice(0)) s.unsubscribe();
  await sleep(20);
  trap.restore();
});

function params(): Record<string, string | number> {
  return {
    host: '127.0.0.1',
    port: cluster().port,
    user: cluster().user,
    dbname: 'postgres',
    sslmode: 'disable',
  };
}

function client(options: ConstructorParameters<typeof Client>[1] = {}): Client {
  const c = new Client(params(), { env: CLEAN_ENV, ...options });
  clients.push(c);
  return c;
}

async function open(): Promise<Connection> {
  return new Promise<Connection>((resolve, reject) => {
    opened.push(connect(params(), { env: CLEAN_ENV }).subscribe({ next: resolve, error: reject }));
  });
}

describe('copy abuse', () => {
  it('take(3) on a huge COPY TO STDOUT returns at once and the connection answers next', async () => {
    const conn = await open();
    const started = Date.now();
    const chunks = await lastValueFrom(
      conn
        .copyTo('copy (select generate_series(1, 1000000000)) to stdout')
        .pipe(take(3), toArray()),
    );
    expect(chunks.map((c) => c.toString())).toEqual(['1\n', '2\n', '3\n']);
    const next = await settle(conn.query('select 1 as one'));
    expect(next.rows).toEqual([{ one: 1 }]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('copyFrom with an iterable that throws midway leaves the table unchanged and the connection usable', async () => {
    const conn = await open();
    await settle(conn.query('create temp table cf (a int)'));
    function* rows(): Generator<string> {
      yield '1\n';
      yield '2\n';
      throw new Error('source broke');
    }
    const r = await settle(conn.copyFrom('copy cf from stdin', rows()));
    expect((r.error as Error)?.message).toBe('source broke');
    const count = await settle(conn.query<{ n: number }>('select count(*)::int as n from cf'));
    expect(count.rows).toEqual([{ n: 0 }]);
  });

  it('query() on COPY TO STDOUT errors with NotSupported and the connection goes on', async () => {
    const conn = await open();
    const r = await settle(conn.query('copy (select 1) to stdout'));
    expect(codeOf(r.error)).toBe('RXPG_NOT_SUPPORTED');
    expect((await settle(conn.query('select 1 as one'))).rows).toEqual([{ one: 1 }]);
  });

  it('query() on COPY FROM STDIN errors with a code and the connection goes on', async () => {
    const conn = await open();
    await settle(conn.query('create temp table cfi (a int)'));
    const r = await settle(conn.query('copy cfi from stdin'));
    expect(typeof codeOf(r.error)).toBe('string');
    expect((await settle(conn.query('select 1 as one'))).rows).toEqual([{ one: 1 }]);
  });
});

describe('client abuse', () => {
  it('close() while queries are queued serves what was asked, then resolves', async () => {
    const c = client({ maxConnections: 1 });
    const all = Array.from({ length: 20 }, (_, i) =>
      settle(c.query<{ v: number }>(`select ${i} as v, pg_sleep(0.01)`), 10_000),
    );
    await sleep(10);
    const closed = c.close();
    const results = await Promise.all(all);
    expect(results.map((r) => r.rows[0]?.v)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await expect(Promise.race([closed, sleep(5000).then(() => 'hung')])).resolves.toBeUndefined();
    const after = await settle(c.query('select 1'));
    expect(codeOf(after.error)).toBe('RXPG_CLIENT_CLOSED');
  });

  it('closeNow() fails running and waiting work with codes, nothing hangs', async () => {
    const c = client({ maxConnections: 1 });
    const running = settle(c.query('select pg_sleep(5)'), 10_000);
    const waiting = settle(c.query('select 1'), 10_000);
    await sleep(200);
    c.closeNow();
    const [r, w] = await Promise.all([running, waiting]);
    expect(r.hung || w.hung).toBe(false);
    expect(codeOf(r.error)).toMatch(/^RXPG_/);
    expect(codeOf(w.error)).toBe('RXPG_CLIENT_CLOSED');
  });

  it('a transaction unsubscribed midway is rolled back and the pooled connection is reused', async () => {
    const c = client({ maxConnections: 1 });
    await settle(c.query('create table if not exists tx_abuse (a int)'));
    const sub = c
      .transaction((tx) => tx.query('insert into tx_abuse values (1); select pg_sleep(5)'))
      .subscribe({ error: () => undefined });
    await sleep(300);
    sub.unsubscribe();
    const count = await settle(c.query<{ n: number }>('select count(*)::int as n from tx_abuse'));
    expect(count.rows).toEqual([{ n: 0 }]);
    expect(count.ms).toBeLessThan(3000);
    expect(c.stats.total).toBe(1);
  });

  it('a transaction whose work throws synchronously rolls back and errors with that error', async () => {
    const c = client({ maxConnections: 1 });
    const r = await settle(
      c.transaction(() => {
        throw new Error('tx bug');
      }),
    );
    expect((r.error as Error)?.message).toBe('tx bug');
    const next = await settle(
      c.query<{ s: string }>(
        "select current_setting('transaction_isolation') as s, now() = statement_timestamp() as fresh",
      ),
    );
    expect(next.error).toBeUndefined();
  });

  it('SQL-level BEGIN left open by a pooled query is rolled back before the connection is lent again', async () => {
    const c = client({ maxConnections: 1 });
    await settle(c.query('create table if not exists begin_abuse (a int)'));
    await settle(c.query('begin; insert into begin_abuse values (1)'));
    const r = await settle(c.query<{ n: number }>('select count(*)::int as n from begin_abuse'));
    expect(r.rows).toEqual([{ n: 0 }]);
    const status = await settle(c.query<{ x: string }>('select 1 as x'));
    expect(status.error).toBeUndefined();
  });

  it.each([['a"b'], ['with space'], ['UPPER'], ["it's"], ['x'.repeat(63)]])(
    'listen/notify on channel %j round-trips',
    async (channel) => {
      const c = client();
      const got = firstValueFrom(c.listen(channel));
      await sleep(300);
      await firstValueFrom(c.notify(channel, 'payload \' " \\ ;'));
      const n = await Promise.race([got, sleep(3000).then(() => undefined)]);
      expect(n?.payload).toBe('payload \' " \\ ;');
    },
  );

  // EXPECTED: listen() and notify() on the same name agree. listen() cuts the name to 63
  // bytes (serverChannelName, listener.ts) and listens without complaint, while notify() sends
  // the full name to pg_notify, which refuses it (22023): the listener can never be reached.
  it('a pooled cursor abandoned while its first batch is computed does not block the pool', async () => {
    const c = client({ maxConnections: 1, cancelTimeout: 1000 });
    const sub = c
      .cursor('select pg_sleep(20) as s', [], () => Promise.resolve())
      .subscribe({ error: () => undefined });
    await sleep(300);
    sub.unsubscribe();
    const next = await settle(c.query('select 1 as one'), 5000);
    // EXPECTED: bounded by cancelTimeout (DESIGN §1); it waits for the whole pg_sleep.
    expect(next.hung).toBe(false);
    expect(next.rows).toEqual([{ one: 1 }]);
  }, 30_000);
});
