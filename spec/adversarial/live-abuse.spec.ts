import {
  concat,
  defer,
  firstValueFrom,
  interval,
  lastValueFrom,
  map,
  merge,
  of,
  take,
  takeWhile,
  tap,
  timer,
  toArray,
  type Observable,
  type Subscription,
} from 'rxjs';
import { config as rxjsConfig } from 'rxjs';
import { connect, type ConnectOptions } from '../../src/connection/connect';
import type { Connection } from '../../src/connection/connection';
import { DatabaseError } from '../../src/errors';
import { useCluster } from '../support/cluster';
import { CLEAN_ENV } from '../support/outcome';
import { sleep, trapUncaught } from './fake-pg';
import { codeOf, settle } from './settle';

const cluster = useCluster({});

let trap: ReturnType<typeof trapUncaught>;
const opened: Subscription[] = [];

beforeEach(() => {
  trap = trapUncaught();
});

afterEach(async () => {
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

/** Opens a connection; it is closed after the test. */
async function open(options: ConnectOptions = {}): Promise<Connection> {
  return new Promise<Connection>((resolve, reject) => {
    opened.push(
      connect(params(), { env: CLEAN_ENV, ...options }).subscribe({
        next: resolve,
        error: reject,
      }),
    );
  });
}

const BILLION = 'select generate_series(1, 1000000000) as i';

async function backendState(pid: number | undefined): Promise<string | null | undefined> {
  const rows = await cluster().admin<{ state: string | null }>(
    'select state from pg_stat_activity where pid = $1',
    [pid],
  );
  return rows[0]?.state;
}

describe('cancellation and bounds', () => {
  // EXPECTED (DESIGN §2): "Unsubscribing from a running query stops it on the server
  // (CancelRequest, or closing the portal) and leaves the connection clean for the next one";
  // DESIGN §1: an abandoned query the server does not finish within a bound costs the
  // connection. A cursor left while its first batch is being computed is neither cancelled
  // nor bounded: CursorQuery.abandonment = 'self' makes Connection.withdraw return before both
  // the CancelRequest and the cancelTimeout timer, and CursorQuery.abandon only writes Sync in
  // the 'working' phase. The next query waits for the whole pg_sleep.
  it('a cursor unsubscribed while the server computes its batch is stopped; the next query answers at once', async () => {
    const conn = await open({ cancelTimeout: 1000 });
    const cursor = conn
      .cursor('select pg_sleep(20) as s', [], () => Promise.resolve())
      .subscribe({ error: () => undefined });
    await sleep(300);
    cursor.unsubscribe();
    const next = await settle(conn.query<{ one: number }>('select 1 as one'), 5000);
    expect(next.hung).toBe(false);
    // Either the read was cancelled (row arrives) or the connection was given up within the bound.
    expect(next.ms).toBeLessThan(3000);
    expect(await backendState(conn.processId)).not.toBe('active');
  }, 30_000);

  // Same root cause through the AsyncIterable: leaving `for await` before the first row.
  it('iterate(): a loop abandoned before its first batch arrived does not stall the connection', async () => {
    const conn = await open({ cancelTimeout: 1000 });
    const iterator = conn.iterate('select pg_sleep(20) as s')[Symbol.asyncIterator]();
    const first = iterator.next().catch(() => undefined);
    await sleep(300);
    await iterator.return?.();
    void first;
    const next = await settle(conn.query<{ one: number }>('select 1 as one'), 5000);
    expect(next.hung).toBe(false);
    expect(next.ms).toBeLessThan(3000);
  }, 30_000);

  // EXPECTED (DESIGN §2): "take(10) on a billion-row query returns at once" and the connection
  // is left clean for the next one. When other queries were subscribed in the same job they are
  // pipelined behind the big one; its abandonment then only drains (no cancel, Connection.withdraw
  // `inFlight.length === 1`), the drain cannot finish within cancelTimeout, and the *other*
  // subscribers - who did nothing wrong - get RXPG_TIMEOUT when the connection is destroyed.
  it('queries pipelined behind an abandoned billion-row query still get their rows', async () => {
    const conn = await open({ cancelTimeout: 1500 });
    const big = lastValueFrom(conn.query<{ i: number }>(BILLION).pipe(take(5), toArray()));
    const small = settle(conn.query<{ one: number }>('select 1 as one'), 10_000);
    expect((await big).map((r) => r.i)).toEqual([1, 2, 3, 4, 5]);
    const result = await small;
    expect(result.error).toBeUndefined();
    expect(result.rows).toEqual([{ one: 1 }]);
  }, 30_000);
});

describe('misuse', () => {
  it('the same query observable subscribed twice concurrently gives each subscriber all its rows', async () => {
    const conn = await open();
    const q = conn.query<{ i: number }>('select generate_series(1, 1000) as i');
    const [a, b] = await Promise.all([
      lastValueFrom(q.pipe(toArray())),
      lastValueFrom(q.pipe(toArray())),
    ]);
    expect(a).toHaveLength(1000);
    expect(b).toHaveLength(1000);
  });

  it('many concurrent tagged queries with random unsubscribes: every row goes to its own subscriber', async () => {
    const conn = await open({ cancelTimeout: 5000 });
    const n = 60;
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const results = await Promise.all(
      Array.from({ length: n }, (_, tag) => {
        const rowsWanted = 1 + Math.floor(random() * 2000);
        const cut = random() < 0.4 ? 1 + Math.floor(random() * rowsWanted) : undefined;
        const viaExtended = random() < 0.5;
        const source = viaExtended
          ? conn.executeStatement<{ tag: number; g: number }>(
              'select $1::int as tag, generate_series(1, $2::int) as g',
              [tag, rowsWanted],
            )
          : conn.query<{ tag: number; g: number }>(
              `select ${tag}::int as tag, generate_series(1, ${rowsWanted}) as g`,
            );
        const piped = cut === undefined ? source : source.pipe(take(cut));
        return settle(piped, 20_000).then((r) => ({ tag, rowsWanted, cut, r }));
      }),
    );
    for (const { tag, rowsWanted, cut, r } of results) {
      expect({ tag, error: r.error, hung: r.hung }).toEqual({ tag, error: undefined, hung: false });
      expect(r.rows.every((row) => row.tag === tag)).toBe(true);
      expect(r.rows.map((row) => row.g)).toEqual(
        Array.from({ length: cut ?? rowsWanted }, (_, i) => i + 1),
      );
    }
    expect(await lastValueFrom(conn.query('select 1 as one').pipe(toArray()))).toEqual([
      { one: 1 },
    ]);
    expect(trap.errors).toEqual([]);
  }, 60_000);

  it('unsubscribing inside next() leaves the connection usable', async () => {
    const conn = await open();
    await new Promise<void>((resolve) => {
      const sub: Subscription = conn.query(BILLION).subscribe({
        next: () => {
          sub?.unsubscribe();
          resolve();
        },
      });
    });
    const next = await settle(conn.query('select 2 as two'));
    expect(next.rows).toEqual([{ two: 2 }]);
  });

  it('a throwing next() handler does not break the connection', async () => {
    const conn = await open();
    const reported: unknown[] = [];
    const previous = rxjsConfig.onUnhandledError;
    rxjsConfig.onUnhandledError = (error) => reported.push(error);
    try {
      conn.query('select 1 as one').subscribe({
        next: () => {
          throw new Error('user bug');
        },
      });
      await sleep(100);
    } finally {
      rxjsConfig.onUnhandledError = previous;
    }
    // RxJS reports the throw as its own unhandled error; the connection must not care.
    expect(reported).toHaveLength(1);
    const next = await settle(conn.query('select 2 as two'));
    expect(next.rows).toEqual([{ two: 2 }]);
  });

  it('subscribing after close() errors with ConnectionUnusable', async () => {
    const conn = await open();
    conn.close();
    const after = await settle(conn.query('select 1'));
    expect(codeOf(after.error)).toBe('RXPG_CONNECTION_UNUSABLE');
  });

  it('close() while queries are in flight and queued fails every one of them with a code', async () => {
    const conn = await open();
    const all = [
      settle(conn.query('select pg_sleep(5)')),
      settle(conn.query('select 1')),
      settle(conn.executeStatement('select $1::int', [1])),
      settle(conn.cursor('select 1', [], () => Promise.resolve())),
      settle(conn.copyTo('copy (select 1) to stdout')),
    ];
    await sleep(100);
    conn.close();
    const results = await Promise.all(all);
    for (const r of results) {
      expect(r.hung).toBe(false);
      expect(codeOf(r.error)).toBe('RXPG_CONNECTION_UNUSABLE');
    }
  });

  it.each([
    ['a symbol', Symbol('x')],
    ['a function', () => 1],
    [
      'a circular object',
      (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      })(),
    ],
    ['a BigInt inside an object', { n: BigInt(1) }],
    ['an invalid Date', new Date(NaN)],
    ['an array holding a symbol', [Symbol('y')]],
  ])('executeStatement with %s fails alone with RXPG_INVALID_PARAMETER', async (_name, value) => {
    const conn = await open();
    const bad = await settle(conn.executeStatement('select $1::text as v', [value]));
    expect(codeOf(bad.error)).toBe('RXPG_INVALID_PARAMETER');
    const next = await settle(conn.executeStatement('select $1::int as v', [5]));
    expect(next.rows).toEqual([{ v: 5 }]);
  });

  // EXPECTED: a non-null JS value is never silently sent as SQL NULL. encodeJson
  // (params.ts) returns JSON.stringify's `undefined` as if it were a string, and Bind sends
  // an undefined value as NULL.
  it('an object whose toJSON returns undefined is refused, not silently sent as NULL', async () => {
    const conn = await open();
    const value = { toJSON: () => undefined };
    const result = await settle(
      conn.executeStatement('select $1::text is null as isnull', [value]),
    );
    // EXPECTED: RXPG_INVALID_PARAMETER; sending NULL for a non-null JS value loses data.
    expect(codeOf(result.error)).toBe('RXPG_INVALID_PARAMETER');
  });

  // EXPECTED: a client-side failure has a stable code (DESIGN §2). encodeArray calls
  // `text.replace` on what encodeJson returned, which is undefined here: a bare TypeError.
  it('an array holding an object whose toJSON returns undefined fails with RXPG_INVALID_PARAMETER', async () => {
    const conn = await open();
    const r = await settle(
      conn.executeStatement('select $1::text[] as v', [[{ toJSON: () => undefined }]]),
    );
    expect(r.error).toBeDefined();
    expect(codeOf(r.error)).toBe('RXPG_INVALID_PARAMETER');
  });

  // EXPECTED: a stable code. encodeArray recurses without a bound or a cycle check: the
  // RangeError (stack overflow) escapes as a bare error through Connection.take.
  it.each([
    [
      'a circular array',
      (() => {
        const a: unknown[] = [];
        a.push(a);
        return a;
      })(),
    ],
    [
      'an array nested 100000 deep',
      (() => {
        let a: unknown[] = [1];
        for (let i = 0; i < 100_000; i++) a = [a];
        return a;
      })(),
    ],
  ])(
    '%s as a parameter fails with RXPG_INVALID_PARAMETER, and the connection goes on',
    async (_name, value) => {
      const conn = await open();
      const r = await settle(conn.executeStatement('select $1::int[] as v', [value]));
      expect(r.error).toBeDefined();
      expect(codeOf(r.error)).toBe('RXPG_INVALID_PARAMETER');
      expect((await settle(conn.query('select 1 as one'))).rows).toEqual([{ one: 1 }]);
    },
  );

  it('a NUL in a string parameter gives an error with a code; the connection goes on', async () => {
    const conn = await open();
    const bad = await settle(conn.executeStatement('select $1::text as v', ['a\0b']));
    expect(codeOf(bad.error)).toMatch(/^[0-9A-Z]{5}$|^RXPG_/);
    const next = await settle(conn.executeStatement('select $1::int as v', [5]));
    expect(next.rows).toEqual([{ v: 5 }]);
  });

  // Held up: the server refuses the message (08P01) since it must be consumed entirely.
  it.each([
    ['query', (c: Connection) => c.query('select 1 as one;\0 select 2 as two')],
    ['executeStatement', (c: Connection) => c.executeStatement('select 1 as one\0garbage', [])],
  ])('%s with a NUL inside the SQL fails with a stable code', async (_name, run) => {
    const conn = await open();
    const bad = await settle(run(conn) as Observable<unknown>);
    expect(bad.error).toBeDefined();
    expect(codeOf(bad.error)).toMatch(/^RXPG_|^08P01$/);
    const next = await settle(conn.query('select 3 as three'));
    expect(next.rows).toEqual([{ three: 3 }]);
  });

  it('fifty thousand queued requests all complete, in order', async () => {
    const conn = await open();
    const n = 50_000;
    const seen: number[] = [];
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        lastValueFrom(
          conn
            .executeStatement<{ v: number }>('select $1::int as v', [i])
            .pipe(tap((r) => seen.push(r.v))),
        ),
      ),
    );
    expect(seen).toHaveLength(n);
    expect(seen.every((v, i) => v === i)).toBe(true);
  }, 120_000);
});

describe('errors and recovery', () => {
  it('a query that errors mid-stream delivers the rows before, then a DatabaseError; the next query works', async () => {
    const conn = await open();
    const r = await settle(
      conn.query<{ v: number }>('select 10 / (5 - i) as v from generate_series(1, 10) i'),
    );
    expect(r.rows.length).toBeLessThan(5);
    expect(r.error).toBeInstanceOf(DatabaseError);
    expect(codeOf(r.error)).toBe('22012');
    const next = await settle(conn.query('select 1 as one'));
    expect(next.rows).toEqual([{ one: 1 }]);
  });

  it('one failing statement among pipelined ones fails alone', async () => {
    const conn = await open();
    const results = await Promise.all([
      settle(conn.executeStatement('select $1::int as v', [1])),
      settle(conn.executeStatement('select 1 / $1::int as v', [0])),
      settle(conn.executeStatement('select $1::int as v', [3])),
      settle(conn.query('select 4 as v')),
      settle(conn.query('select nope')),
      settle(conn.query('select 6 as v')),
    ]);
    expect(results.map((r) => (r.error === undefined ? r.rows : codeOf(r.error)))).toEqual([
      [{ v: 1 }],
      '22012',
      [{ v: 3 }],
      [{ v: 4 }],
      '42703',
      [{ v: 6 }],
    ]);
  });

  it('DISCARD ALL then a cached statement: the statement is prepared again', async () => {
    const conn = await open();
    const sql = 'select $1::int + 1 as v';
    expect((await settle(conn.executeStatement(sql, [1]))).rows).toEqual([{ v: 2 }]);
    expect((await settle(conn.executeStatement(sql, [2]))).rows).toEqual([{ v: 3 }]);
    await settle(conn.query('discard all'));
    const again = await settle(conn.executeStatement(sql, [3]));
    expect(again.error).toBeUndefined();
    expect(again.rows).toEqual([{ v: 4 }]);
  });

  it('DEALLOCATE ALL pipelined with cached statements: all of them still answer', async () => {
    const conn = await open();
    const a = 'select $1::int as a';
    const b = 'select $1::int as b';
    await settle(conn.executeStatement(a, [1]));
    await settle(conn.executeStatement(b, [1]));
    const results = await Promise.all([
      settle(conn.query('deallocate all')),
      settle(conn.executeStatement(a, [2])),
      settle(conn.executeStatement(b, [3])),
    ]);
    expect(results.map((r) => (r.error === undefined ? r.rows : codeOf(r.error)))).toEqual([
      [],
      [{ a: 2 }],
      [{ b: 3 }],
    ]);
    expect((await settle(conn.executeStatement(a, [4]))).rows).toEqual([{ a: 4 }]);
  });

  it('a table altered under a cached statement: the statement is prepared again', async () => {
    const conn = await open();
    await settle(conn.query('create temp table alt (a int)'));
    await settle(conn.query('insert into alt values (1)'));
    const sql = 'select * from alt where a = $1';
    expect((await settle(conn.executeStatement(sql, [1]))).rows).toEqual([{ a: 1 }]);
    await settle(conn.query('alter table alt add column b text default $$x$$'));
    const again = await settle(conn.executeStatement(sql, [1]));
    expect(again.error).toBeUndefined();
    expect(again.rows).toEqual([{ a: 1, b: 'x' }]);
  });

  it('SQL-level BEGIN, an error, then ROLLBACK: the connection is idle and usable again', async () => {
    const conn = await open();
    await settle(conn.query('begin'));
    const bad = await settle(conn.executeStatement('select 1 / $1::int', [0]));
    expect(codeOf(bad.error)).toBe('22012');
    expect(conn.transactionStatus).toBe('E');
    const blocked = await settle(conn.query('select 1'));
    expect(codeOf(blocked.error)).toBe('25P02');
    await settle(conn.query('rollback'));
    expect(conn.transactionStatus).toBe('I');
    expect((await settle(conn.executeStatement('select $1::int as v', [7]))).rows).toEqual([
      { v: 7 },
    ]);
  });

  it('SET client_encoding fails the connection with a stable code and no uncaught error', async () => {
    const conn = await open();
    const ended = new Promise<unknown>((resolve) =>
      conn.ended$.subscribe({ next: resolve, complete: () => resolve('complete') }),
    );
    const r = await settle(conn.query("set client_encoding to 'LATIN1'"));
    expect(r.hung).toBe(false);
    expect(codeOf(r.error)).toBe('RXPG_UNSUPPORTED_SERVER_SETTING');
    expect(codeOf(await ended)).toBe('RXPG_UNSUPPORTED_SERVER_SETTING');
    const after = await settle(conn.query('select 1'));
    expect(codeOf(after.error)).toBe('RXPG_CONNECTION_UNUSABLE');
    expect(trap.errors).toEqual([]);
  });

  it('RESET ALL / SET DateStyle does not make rows decode wrongly', async () => {
    const conn = await open();
    await settle(conn.query("set datestyle to 'SQL, DMY'"));
    const r = await settle(
      conn.query<{ d: unknown }>("select '2024-03-01 10:00:00+00'::timestamptz as d"),
    );
    // EXPECTED: either the right instant, or a coded error: never a silently wrong Date.
    if (r.error === undefined) {
      expect((r.rows[0].d as Date).toISOString()).toBe('2024-03-01T10:00:00.000Z');
    } else {
      expect(codeOf(r.error)).toMatch(/^RXPG_/);
    }
  });
});

describe('the server ends the session', () => {
  it('pg_terminate_backend while a query runs: the query gets the server 57P01, ended$ ConnectionClosed', async () => {
    const conn = await open();
    const ended = new Promise<unknown>((resolve) => conn.ended$.subscribe(resolve));
    const running = settle(conn.query('select pg_sleep(10)'), 8000);
    await sleep(200);
    await cluster().admin('select pg_terminate_backend($1)', [conn.processId]);
    const r = await running;
    expect(r.hung).toBe(false);
    // The query reports the FATAL the server sent before closing; the connection, that it closed.
    expect(codeOf(r.error)).toBe('57P01');
    expect(codeOf(await ended)).toBe('RXPG_CONNECTION_CLOSED');
    expect(trap.errors).toEqual([]);
  });

  it('pg_terminate_backend while a cursor works on a batch: the cursor errors, the work stops', async () => {
    const conn = await open();
    let stopped = false;
    const r = settle(
      conn.cursor('select generate_series(1, 10) as i', [], () =>
        new Promise<void>((resolve) => setTimeout(resolve, 2000)).then(() => {
          stopped = true;
        }),
      ),
      8000,
    );
    await sleep(200);
    await cluster().admin('select pg_terminate_backend($1)', [conn.processId]);
    const result = await r;
    expect(result.hung).toBe(false);
    expect(codeOf(result.error)).toBe('RXPG_CONNECTION_CLOSED');
    void stopped;
  });
});

describe('cursor work misbehaving', () => {
  it('work that throws synchronously: error reported, connection usable', async () => {
    const conn = await open();
    const r = await settle(
      conn.cursor('select generate_series(1, 10) as i', [], () => {
        throw new Error('work bug');
      }),
    );
    expect((r.error as Error)?.message).toBe('work bug');
    expect((await settle(conn.query('select 1 as one'))).rows).toEqual([{ one: 1 }]);
  });

  it('work that rejects: error reported, connection usable', async () => {
    const conn = await open();
    const r = await settle(
      conn.cursor('select generate_series(1, 10) as i', [], () =>
        Promise.reject(new Error('async bug')),
      ),
    );
    expect((r.error as Error)?.message).toBe('async bug');
    expect((await settle(conn.query('select 1 as one'))).rows).toEqual([{ one: 1 }]);
    expect(trap.errors).toEqual([]);
  });

  // EXPECTED: "Unsubscribing ... closes the read" and stops the work. When the subscriber
  // leaves synchronously inside the first value the work emits (take(1)), CursorQuery.abandon
  // runs before `this.work` has been assigned (cursor-query.ts handOver: `this.work =
  // from(work).subscribe(...)`), so it unsubscribes nothing and the work keeps running forever.
  it('the work of a batch is stopped when the subscriber leaves inside its first emission', async () => {
    const conn = await open();
    let ticks = 0;
    let stopped = false;
    const first = await firstValueFrom(
      conn.cursor<{ i: number }, number>('select generate_series(1, 10) as i', [], (rows) =>
        concat(
          of(rows.length),
          interval(10).pipe(
            takeWhile(() => !stopped),
            tap(() => ticks++),
            map(() => 0),
          ),
        ),
      ),
    );
    expect(first).toBe(10);
    const before = ticks;
    await sleep(200);
    const leaked = ticks - before;
    stopped = true;
    expect(leaked).toBe(0);
    expect((await settle(conn.query('select 1 as one'))).rows).toEqual([{ one: 1 }]);
  });

  it('work that never completes, then unsubscribe: connection usable at once', async () => {
    const conn = await open();
    const sub = conn
      .cursor('select generate_series(1, 10) as i', [], () => timer(60_000))
      .subscribe();
    await sleep(100);
    sub.unsubscribe();
    const next = await settle(conn.query('select 1 as one'), 3000);
    expect(next.rows).toEqual([{ one: 1 }]);
  });

  it('a cursor on a statement that errors at Bind reports a DatabaseError', async () => {
    const conn = await open();
    const r = await settle(conn.cursor('select $1::int as v', ['nope'], () => of(1)));
    expect(codeOf(r.error)).toBe('22P02');
    expect((await settle(conn.query('select 1 as one'))).rows).toEqual([{ one: 1 }]);
  });

  it('merge of a cursor and plain queries keeps each query its own rows', async () => {
    const conn = await open();
    const out = await lastValueFrom(
      merge(
        conn
          .cursor<{ i: number }, string>('select generate_series(1, 2500) as i', [], (rows) =>
            of(`c${rows.length}`),
          )
          .pipe(toArray()),
        defer(() => conn.query<{ v: number }>('select 7 as v')).pipe(toArray()),
      ).pipe(toArray()),
    );
    expect(out).toContainEqual(['c1000', 'c1000', 'c500']);
    expect(out).toContainEqual([{ v: 7 }]);
  });
});

describe('leaks', () => {
  it('connect, run queries, unsubscribe: no socket or timer is left behind', async () => {
    await sleep(1200); // let earlier tests' close timers run out
    const before = process.getActiveResourcesInfo().filter((k) => k !== 'TTYWrap');
    const sub = connect(params(), { env: CLEAN_ENV }).subscribe({
      next: (conn) => {
        const quiet = { error: () => undefined };
        conn.query(BILLION).pipe(take(3)).subscribe(quiet);
        conn.executeStatement('select $1::int', [1]).subscribe(quiet);
        conn.cursor('select 1', [], () => of(1)).subscribe(quiet);
      },
    });
    await sleep(500);
    sub.unsubscribe();
    await sleep(1500);
    const after = process.getActiveResourcesInfo().filter((k) => k !== 'TTYWrap');
    const count = (list: string[], kind: string): number => list.filter((k) => k === kind).length;
    expect(count(after, 'TCPSocketWrap')).toBeLessThanOrEqual(count(before, 'TCPSocketWrap'));
    expect(count(after, 'Timeout')).toBeLessThanOrEqual(count(before, 'Timeout'));
  });
});
