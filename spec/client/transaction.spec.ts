import {
  catchError,
  concat,
  defer,
  EMPTY,
  from,
  ignoreElements,
  lastValueFrom,
  map,
  merge,
  NEVER,
  Subject,
  take,
  throwError,
  toArray,
} from 'rxjs';
import { DatabaseError, ErrorCode, type Transaction } from '../../src';
import { useCluster } from '../support/cluster';
import { clientOf } from './helpers';

describe('Client transactions against a real server', () => {
  const cluster = useCluster();
  const rows = async (table: string) =>
    (await cluster().admin<{ x: number }>(`select x from ${table} order by x`)).map((r) => r.x);
  const insert = (tx: Transaction, table: string, x: number) =>
    tx.executeStatement<{ x: number }>(`insert into ${table} values ($1) returning x`, [x]);

  beforeEach(async () => {
    await cluster().admin('drop table if exists items; create table items (x int)');
  });

  it('commits when the work completes', async () => {
    const client = clientOf(cluster());
    const values = await lastValueFrom(
      client
        .transaction((tx) => concat(insert(tx, 'items', 1), insert(tx, 'items', 2)))
        .pipe(toArray()),
    );
    expect(values).toEqual([{ x: 1 }, { x: 2 }]);
    expect(await rows('items')).toEqual([1, 2]);
    expect(client.stats).toEqual({ total: 1, idle: 1, waiting: 0 });
  });

  it('gives command tags and row counts inside the transaction (queryResults, executeResults)', async () => {
    const client = clientOf(cluster());
    const results = await lastValueFrom(
      client
        .transaction((tx) =>
          concat(
            tx.queryResults('insert into items values (1), (2); update items set x = x * 10'),
            tx.executeResults('delete from items where x > $1', [15]),
          ),
        )
        .pipe(
          map((r) => `${r.command} ${r.rowCount}`),
          toArray(),
        ),
    );
    expect(results).toEqual(['INSERT 2', 'UPDATE 2', 'DELETE 1']);
    expect(await rows('items')).toEqual([10]);
  });

  it('emits values as the work emits them, before COMMIT', async () => {
    const client = clientOf(cluster());
    const gate = new Subject<never>();
    const received: unknown[] = [];
    const committedThen: number[][] = [];
    await new Promise<void>((resolve, reject) =>
      client
        .transaction((tx) => concat(insert(tx, 'items', 1), gate))
        .subscribe({
          next: (value) => {
            received.push(value);
            // The value is here while the work still runs: nothing is committed yet.
            void rows('items').then((committed) => {
              committedThen.push(committed);
              gate.complete();
            }, reject);
          },
          error: reject,
          complete: resolve,
        }),
    );
    expect(received).toEqual([{ x: 1 }]);
    expect(committedThen).toEqual([[]]);
    expect(await rows('items')).toEqual([1]);
  });

  it('rolls back when the work errors, and reports the original error', async () => {
    const client = clientOf(cluster());
    const original = new Error('business rule broken');
    await expect(
      lastValueFrom(
        client.transaction((tx) =>
          concat(
            insert(tx, 'items', 1),
            throwError(() => original),
          ),
        ),
      ),
    ).rejects.toBe(original);
    expect(await rows('items')).toEqual([]);
    expect(client.stats).toEqual({ total: 1, idle: 1, waiting: 0 });
  });

  it('rolls back on a server error and reports it as a DatabaseError', async () => {
    const client = clientOf(cluster());
    const failure = lastValueFrom(
      client.transaction((tx) => concat(insert(tx, 'items', 1), tx.query('select 1/0'))),
    );
    await expect(failure).rejects.toBeInstanceOf(DatabaseError);
    await expect(failure).rejects.toMatchObject({ code: '22012' });
    expect(await rows('items')).toEqual([]);
  });

  it('rolls back when the subscriber unsubscribes, and the connection is clean afterwards', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 });
    const first = await lastValueFrom(
      client.transaction((tx) => concat(insert(tx, 'items', 1), NEVER)).pipe(take(1)),
    );
    expect(first).toEqual({ x: 1 });
    const state = await lastValueFrom(
      client.query<{ pid: number; xact: string | null }>(
        'select pg_backend_pid() as pid, pg_current_xact_id_if_assigned()::text as xact',
      ),
    );
    expect(state.xact).toBeNull();
    expect(await rows('items')).toEqual([]);
    const [server] = await cluster().admin<{ state: string }>(
      'select state from pg_stat_activity where pid = $1',
      [state.pid],
    );
    expect(server.state).toBe('idle');
  });

  it('begins with the isolation level, access mode and deferrability asked for', async () => {
    const client = clientOf(cluster());
    const settings = await lastValueFrom(
      client.transaction(
        (tx) =>
          tx.query<{ iso: string; ro: string; def: string }>(
            'select current_setting($$transaction_isolation$$) as iso, current_setting($$transaction_read_only$$) as ro, current_setting($$transaction_deferrable$$) as def',
          ),
        { isolationLevel: 'serializable', readOnly: true, deferrable: true },
      ),
    );
    expect(settings).toEqual({ iso: 'serializable', ro: 'on', def: 'on' });
    await expect(
      lastValueFrom(client.transaction((tx) => insert(tx, 'items', 1), { readOnly: true })),
    ).rejects.toMatchObject({ code: '25006' });
  });

  it('refuses an unknown isolation level without sending it', async () => {
    const client = clientOf(cluster());
    const level = 'serializable; drop table items' as 'serializable';
    await expect(
      lastValueFrom(client.transaction((tx) => tx.query('select 1'), { isolationLevel: level })),
    ).rejects.toMatchObject({ code: ErrorCode.InvalidParameter });
    expect(await rows('items')).toEqual([]);
  });

  it('nests with savepoints: a failed inner transaction is rolled back, the outer one commits', async () => {
    const client = clientOf(cluster());
    const values = await lastValueFrom(
      client
        .transaction((tx) =>
          concat(
            insert(tx, 'items', 1),
            tx.transaction((inner) => insert(inner, 'items', 2)),
            tx
              .transaction((inner) => concat(insert(inner, 'items', 3), inner.query('select 1/0')))
              .pipe(catchError(() => EMPTY)),
            insert(tx, 'items', 4),
          ),
        )
        .pipe(toArray()),
    );
    expect(values).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }, { x: 4 }]);
    expect(await rows('items')).toEqual([1, 2, 4]);
  });

  it('rolls an inner transaction back to its savepoint when it is unsubscribed', async () => {
    const client = clientOf(cluster());
    await lastValueFrom(
      client.transaction((tx) =>
        concat(
          insert(tx, 'items', 1),
          tx.transaction((inner) => concat(insert(inner, 'items', 2), NEVER)).pipe(take(1)),
          insert(tx, 'items', 3),
        ),
      ),
    );
    expect(await rows('items')).toEqual([1, 3]);
  });

  it('leaves the outer transaction intact when an inner one is dropped before its SAVEPOINT ran', async () => {
    const client = clientOf(cluster());
    await lastValueFrom(
      client.transaction((tx) =>
        concat(
          insert(tx, 'items', 1),
          merge(
            tx.query('select pg_sleep(0.05)'),
            defer(() => {
              // Subscribed while the sleep runs, so its SAVEPOINT waits in the queue; then dropped.
              tx.transaction((inner) => insert(inner, 'items', 2))
                .subscribe()
                .unsubscribe();
              return EMPTY;
            }),
          ),
          insert(tx, 'items', 3),
        ),
      ),
    );
    expect(await rows('items')).toEqual([1, 3]);
  });

  it('fails when COMMIT is answered with ROLLBACK because an error was swallowed', async () => {
    const client = clientOf(cluster());
    await expect(
      lastValueFrom(
        client.transaction((tx) =>
          concat(insert(tx, 'items', 1), tx.query('select 1/0').pipe(catchError(() => EMPTY))),
        ),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.TransactionRolledBack });
    expect(await rows('items')).toEqual([]);
    expect(client.stats).toEqual({ total: 1, idle: 1, waiting: 0 });
  });

  it('reports a deferred constraint that fails at COMMIT', async () => {
    await cluster().admin(
      'drop table if exists uniq; create table uniq (x int unique deferrable initially deferred)',
    );
    const client = clientOf(cluster());
    await expect(
      lastValueFrom(
        client.transaction((tx) => concat(insert(tx, 'uniq', 1), insert(tx, 'uniq', 1))),
      ),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await rows('uniq')).toEqual([]);
  });

  it('refuses statements of a transaction that is over', async () => {
    const client = clientOf(cluster());
    let kept: Transaction | undefined;
    await lastValueFrom(
      client.transaction((tx) => {
        kept = tx;
        return tx.query('select 1');
      }),
    );
    if (kept === undefined) throw new Error('no transaction');
    await expect(lastValueFrom(kept.query('select 1'))).rejects.toMatchObject({
      code: ErrorCode.ConnectionUnusable,
    });
  });

  describe('with a real serialization failure', () => {
    beforeEach(async () => {
      await cluster().admin(
        'drop table if exists duty; create table duty (doctor text, on_call bool); insert into duty values ($$a$$, true), ($$b$$, true)',
      );
    });

    /**
     * Two doctors go off call at once, each after checking that another one is on call (write
     * skew). Both read before either writes: under serializable, one of them fails with 40001.
     */
    function offCall(
      tx: Transaction,
      doctor: string,
      attempt: number,
      bothRead: Promise<void>,
      arrive: () => void,
    ) {
      return concat(
        tx.query('select count(*)::int as n from duty where on_call').pipe(ignoreElements()),
        defer(() => {
          arrive();
          return attempt === 1 ? from(bothRead) : EMPTY;
        }).pipe(ignoreElements()),
        tx.executeStatement<{ doctor: string }>(
          'update duty set on_call = false where doctor = $1 and (select count(*) from duty where on_call) > 1 returning doctor',
          [doctor],
        ),
        defer(() => from([{ doctor: `${doctor} attempt ${attempt}` }])),
      );
    }

    function race(retry: number) {
      const client = clientOf(cluster(), { maxConnections: 2 });
      let arrived = 0;
      let release: () => void = () => undefined;
      const bothRead = new Promise<void>((resolve) => (release = resolve));
      const arrive = () => {
        arrived += 1;
        if (arrived === 2) release();
      };
      const attempts = { a: 0, b: 0 };
      const run = (doctor: 'a' | 'b') =>
        client
          .transaction((tx) => offCall(tx, doctor, (attempts[doctor] += 1), bothRead, arrive), {
            isolationLevel: 'serializable',
            retry,
          })
          .pipe(
            toArray(),
            map((values) => ({ doctor, values })),
            catchError((error: unknown) => [{ doctor, error }]),
          );
      return { attempts, outcome: lastValueFrom(merge(run('a'), run('b')).pipe(toArray())) };
    }

    it('fails one transaction with 40001 when retry is off', async () => {
      const { outcome } = race(0);
      const results = await outcome;
      const failures = results.filter((r) => 'error' in r);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ error: { code: '40001' } });
      expect(await cluster().admin('select doctor from duty where on_call')).toHaveLength(1);
    });

    it('retries the failed one, and its subscriber sees only the values of the attempt that committed', async () => {
      const { outcome, attempts } = race(3);
      const results = await outcome;
      expect(results.filter((r) => 'error' in r)).toEqual([]);
      expect(attempts.a + attempts.b).toBe(3);
      const retried = attempts.a === 2 ? 'a' : 'b';
      const values = results.find((r) => r.doctor === retried);
      // The second attempt finds only one doctor on call: it updates nothing and says so.
      expect(values).toEqual({ doctor: retried, values: [{ doctor: `${retried} attempt 2` }] });
      expect(await cluster().admin('select doctor from duty where on_call')).toHaveLength(1);
    });
  });
});
