import { lastValueFrom, toArray } from 'rxjs';
import { ErrorCode, withConnection } from '../../src';
import { useCluster } from '../support/cluster';
import { lateCancelProxy } from '../support/fault-proxy';
import { oneTo, seriesRows } from '../support/series-rows';
import { CLEAN_ENV } from '../support/outcome';
import { backends, clientOf, eventually, sleep } from './helpers';
import { abandonAfter, learn, outcome, QUICK, quick, quickBurst, SERIES } from './sharing';

describe('Client: pipelined sharing under failures, unsubscriptions and shutdown', () => {
  const cluster = useCluster();

  it('a follower a late cancel reaches instead of the abandoned head fails alone with 57014; nothing is run twice', async () => {
    await cluster().admin('create table if not exists attack_once (id int)');
    const proxy = await lateCancelProxy(cluster().port);
    try {
      const client = clientOf(cluster(), { maxConnections: 1 }, 'rxpg-attack-late', proxy.port);
      const INSERT = 'insert into attack_once select $1::int from pg_sleep(1) returning id';
      await learn(client, SERIES, [1]);
      // Known quick, the head takes a follower on the wire; abandoned while it streams, it is
      // cancelled, but the late cancel reaches the follower.
      abandonAfter(client.executeStatement(SERIES, [300_000]), 1_000);
      const follower = outcome(lastValueFrom(client.executeStatement(INSERT, [7])));
      expect(await follower).toBe('57014');
      expect(proxy.accepted()).toBe(2);
      // Rolled back, and not run again: a statement cut short may have had effects a rollback
      // does not undo, so rxpg never repeats one on its own.
      await sleep(1_200);
      expect(await cluster().admin('select id from attack_once')).toEqual([]);
      await eventually(() => client.stats.idle === 1);
      expect(await quickBurst(client, 3)).toEqual([0, 1, 2]);
    } finally {
      await proxy.close();
    }
  });

  it('a follower already streaming when a late cancel reaches it keeps the rows it had, once each, then fails', async () => {
    const proxy = await lateCancelProxy(cluster().port);
    try {
      const client = clientOf(cluster(), { maxConnections: 1 }, 'rxpg-attack-rows', proxy.port);
      const SLOW_ROWS = 'select g, pg_sleep(0.1) from generate_series(1, $1::int) g';
      await learn(client, SERIES, [1]);
      await learn(client, SLOW_ROWS, [1]);
      abandonAfter(client.executeStatement(SERIES, [300_000]), 1_000);
      // Behind the head on the wire; once the head is over it streams a row every 100 ms, and
      // the cancel, 400 ms late, lands in the middle of it.
      const { seen, ending } = seriesRows(client.executeStatement<{ g: number }>(SLOW_ROWS, [8]));
      expect(await ending).toBe('57014');
      expect(seen).toEqual(oneTo(seen.length));
      expect(seen.length).toBeLessThan(8);
      await eventually(() => client.stats.idle === 1);
    } finally {
      await proxy.close();
    }
  });

  it('a backend terminated mid-pipeline fails the head with 57P01 and every follower, then recovers', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 }, 'rxpg-attack-term');
    const SLEEP = 'select pg_sleep($1)';
    await learn(client, SLEEP, [0]);
    await learn(client);
    const head = outcome(lastValueFrom(client.executeStatement(SLEEP, [3])));
    const followers = Array.from({ length: 5 }, (_, i) => outcome(quick(client, i)));
    await eventually(async () =>
      (await backends(cluster(), 'rxpg-attack-term')).some((b) => b.state === 'active'),
    );
    await cluster().admin(
      "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'rxpg-attack-term'",
    );
    const outcomes = await Promise.all([head, ...followers]);
    expect(outcomes.every((o) => o !== 'ok')).toBe(true);
    expect(outcomes[0]).toBe('57P01');
    expect(new Set(outcomes.slice(1))).toEqual(new Set([ErrorCode.ConnectionClosed]));
    await eventually(() => client.stats.waiting === 0);
    expect(await quickBurst(client, 3)).toEqual([0, 1, 2]);
    expect(client.stats).toEqual({ total: 1, idle: 1, waiting: 0 });
  });

  it('closeNow mid-pipeline fails statements on the wire as unusable, waiting ones as closed', async () => {
    const client = clientOf(cluster(), { maxConnections: 1, pipelineDepth: 4 });
    const SLEEP = 'select pg_sleep($1)';
    await learn(client, SLEEP, [0]);
    await learn(client);
    const head = outcome(lastValueFrom(client.executeStatement(SLEEP, [2])));
    const all = Array.from({ length: 8 }, (_, i) => outcome(quick(client, i)));
    await sleep(50);
    client.closeNow();
    const outcomes = await Promise.all([head, ...all]);
    expect(outcomes.slice(0, 4)).toEqual(Array(4).fill(ErrorCode.ConnectionUnusable));
    expect(outcomes.slice(4)).toEqual(Array(5).fill(ErrorCode.ClientClosed));
    expect(client.stats).toEqual({ total: 0, idle: 0, waiting: 0 });
  });

  it('close mid-pipeline lets every pipelined and waiting statement finish, then settles', async () => {
    const client = clientOf(cluster(), { maxConnections: 1, pipelineDepth: 4 });
    await learn(client);
    const burst = quickBurst(client, 10);
    const closed = client.close();
    expect(await burst).toEqual(Array.from({ length: 10 }, (_, i) => i));
    await closed;
    expect(client.stats).toEqual({ total: 0, idle: 0, waiting: 0 });
    expect(await outcome(quick(client, 1))).toBe(ErrorCode.ClientClosed);
  });

  it('acquireTimeout fails a statement left waiting for room on a full pipeline, the others finish', async () => {
    const client = clientOf(cluster(), {
      maxConnections: 1,
      pipelineDepth: 2,
      acquireTimeout: 100,
    });
    const SLEEP = 'select pg_sleep($1)';
    await learn(client, SLEEP, [0]);
    await learn(client);
    const head = outcome(lastValueFrom(client.executeStatement(SLEEP, [0.5])));
    const second = outcome(quick(client, 1));
    const third = outcome(quick(client, 2));
    expect(await third).toBe(ErrorCode.AcquireTimeout);
    expect(await Promise.all([head, second])).toEqual(['ok', 'ok']);
    expect(client.stats).toEqual({ total: 1, idle: 1, waiting: 0 });
  });

  it.each([64, 1])(
    "pipelineDepth %d: statements sharing connections never see a transaction's SET LOCAL",
    async (depth) => {
      const client = clientOf(cluster(), { maxConnections: 2, pipelineDepth: depth });
      const OWN = "select $1::int as n, coalesce(current_setting('attack.tx', true), '') as tx";
      await lastValueFrom(client.executeStatement(OWN, [0]));
      const statements = Array.from({ length: 300 }, (_, i) =>
        lastValueFrom(client.executeStatement<{ n: number; tx: string }>(OWN, [i])),
      );
      const txs = Array.from({ length: 10 }, () =>
        lastValueFrom(
          client.transaction((t) =>
            t.query("set local attack.tx = 'inside'; select pg_sleep(0.005)").pipe(toArray()),
          ),
        ),
      );
      const rows = await Promise.all(statements);
      await Promise.all(txs);
      expect(rows.map((r) => r.n)).toEqual(Array.from({ length: 300 }, (_, i) => i));
      expect(rows.filter((r) => r.tx !== '')).toEqual([]);
    },
  );

  it('maxWaiting counts statements that would fit on a shared connection but wait their turn', async () => {
    const client = clientOf(cluster(), { maxConnections: 1, maxWaiting: 1 });
    await learn(client);
    const first = quick(client, 1);
    const tx = lastValueFrom(client.transaction((t) => t.query('select 1')));
    expect(client.stats.waiting).toBe(1);
    const more = Array.from({ length: 5 }, (_, i) => outcome(quick(client, i)));
    expect(client.stats.waiting).toBe(1);
    expect(await Promise.all(more)).toEqual(Array(5).fill(ErrorCode.PoolQueueFull));
    await Promise.all([first, tx]);
  });

  it('learns nothing from a statement withdrawn or failed: nothing is pipelined behind it later', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 });
    await learn(client);
    const SLOW = 'select pg_sleep($1::float8 / 2)';
    // Unsubscribed before it ran, then failing on a bad parameter: neither is a quick run.
    client.executeStatement(SLOW, [1]).subscribe().unsubscribe();
    await eventually(() => client.stats.idle === 1);
    expect(await outcome(lastValueFrom(client.executeStatement(SLOW, ['x\u0000'])))).toBe(
      ErrorCode.InvalidParameter,
    );
    const slow = lastValueFrom(client.executeStatement(SLOW, [1]));
    const burst = quickBurst(client, 3);
    expect(client.stats.waiting).toBe(3);
    await slow;
    expect(await burst).toEqual([0, 1, 2]);
  });

  it('abandoning a quick statement stuck on a lock cancels it; its followers succeed', async () => {
    await cluster().admin(
      'create table if not exists attack_lock (id int primary key, n int not null default 0)',
    );
    await cluster().admin('insert into attack_lock (id) values (1) on conflict do nothing');
    const client = clientOf(cluster(), { maxConnections: 1, cancelTimeout: 1_000 });
    const UPDATE = 'update attack_lock set n = n + 1 where id = $1';
    await learn(client, UPDATE, [1]);
    await learn(client);
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const holder = cluster().adminSession(async (c) => {
      await c.query('begin');
      await c.query('select * from attack_lock where id = 1 for update');
      locked();
      await sleep(3_000);
      await c.query('commit');
    });
    await lockTaken;
    const before = (await cluster().admin<{ n: number }>('select n from attack_lock'))[0]?.n;
    const blocked = client.executeResults(UPDATE, [1]).subscribe({ error: () => undefined });
    // Pipelined behind the update while it is known quick.
    const followers = Array.from({ length: 3 }, (_, i) => outcome(quick(client, i)));
    await sleep(50);
    const abandoned = performance.now();
    blocked.unsubscribe();
    expect(await Promise.all(followers)).toEqual(['ok', 'ok', 'ok']);
    // Cancelled, not waited for: long before the lock was let go.
    expect(performance.now() - abandoned).toBeLessThan(1_000);
    await holder;
    const after = (await cluster().admin<{ n: number }>('select n from attack_lock'))[0]?.n;
    expect(after).toBe(before);
    expect(client.stats).toEqual({ total: 1, idle: 1, waiting: 0 });
  });

  it('a follower on a plain connection hit by a stray cancel fails with 57014 rather than run after the one behind it', async () => {
    await cluster().admin('create sequence if not exists attack_seq');
    const proxy = await lateCancelProxy(cluster().port);
    try {
      const config = {
        host: '127.0.0.1',
        port: String(proxy.port),
        dbname: 'postgres',
        user: cluster().user,
        sslmode: 'disable' as const,
      };
      const [first, second] = await lastValueFrom(
        withConnection(
          config,
          async (conn) => {
            abandonAfter(conn.executeStatement(SERIES, [300_000]), 1_000);
            const next = (sql: string, params: unknown[] = []) =>
              lastValueFrom(conn.executeStatement<{ v: string }>(sql, params)).then(
                (row) => Number(row.v),
                (error: unknown) => (error as { code?: string }).code,
              );
            return Promise.all([
              next("select pg_sleep($1), nextval('attack_seq') as v", [1]),
              next("select nextval('attack_seq') as v"),
            ]);
          },
          { env: CLEAN_ENV },
        ),
      );
      // The stray cancel lands on the first follower: it fails rather than run after the second.
      expect(typeof second).toBe('number');
      if (typeof first === 'number') expect(first).toBeLessThan(second as number);
      else expect(first).toBe('57014');
    } finally {
      await proxy.close();
    }
  });

  it('a simple-protocol error fails only its own statement', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 });
    await lastValueFrom(client.query('select 1 / 1 as n'));
    await lastValueFrom(client.query('select 1 / 0 as n')).catch(() => undefined);
    const outcomes = await Promise.all(
      [1, 0, 1, 0, 1].map((d) => outcome(lastValueFrom(client.query(`select 1 / ${d} as n`)))),
    );
    expect(outcomes).toEqual(['ok', '22012', 'ok', '22012', 'ok']);
  });

  it('after many unsubscriptions mid-pipeline, every survivor gets its own value and the pool settles', async () => {
    const client = clientOf(cluster(), { maxConnections: 2, pipelineDepth: 8 });
    await learn(client);
    const seen = new Map<number, number>();
    const errors: unknown[] = [];
    const subs = Array.from({ length: 200 }, (_, i) =>
      client
        .executeStatement<{ n: number }>(QUICK, [i])
        .subscribe({ next: (r) => seen.set(i, r.n), error: (e) => errors.push(e) }),
    );
    for (let i = 0; i < 200; i += 3) subs[i]?.unsubscribe();
    await sleep(20);
    for (let i = 1; i < 200; i += 7) subs[i]?.unsubscribe();
    await eventually(() => client.stats.idle === 2 && client.stats.waiting === 0);
    expect(errors).toEqual([]);
    for (const [i, n] of seen) expect(n).toBe(i);
    expect(await quickBurst(client, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
