import {
  concatMap,
  delay,
  firstValueFrom,
  lastValueFrom,
  of,
  switchMap,
  take,
  timeout,
  toArray,
  type Observable,
} from 'rxjs';
import { Client } from '../../src/client/client';
import { connect } from '../../src/connection/connect';
import { withConnection } from '../../src/connection/with-connection';
import type { Connection } from '../../src/connection/connection';
import { useCluster } from '../support/cluster';
import { CLEAN_ENV } from '../support/outcome';
import { recordingProxy } from '../support/recording-proxy';

// In the target list, not FROM: a FROM function scan would materialize every row first.
const BILLION = 'select generate_series(1, 1000000000) as i';

/** Opens one connection for the whole file and runs tests' work on it. */
function useConnection(params: () => Record<string, string | number>): () => Connection {
  let connection: Connection | undefined;
  let closing: (() => void) | undefined;
  beforeAll(async () => {
    const opened = new Promise<Connection>((resolve, reject) => {
      const subscription = connect(params(), { env: CLEAN_ENV }).subscribe({
        next: resolve,
        error: reject,
      });
      closing = () => subscription.unsubscribe();
    });
    connection = await opened;
  });
  afterAll(() => closing?.());
  return () => {
    if (connection === undefined) throw new Error('no connection');
    return connection;
  };
}

/** The state of `pid`'s backend as the server reports it. */
async function backendState(
  admin: (sql: string, params: unknown[]) => Promise<{ state: string | null }[]>,
  pid: number | undefined,
): Promise<string | null | undefined> {
  const rows = await admin('select state from pg_stat_activity where pid = $1', [pid]);
  return rows[0]?.state;
}

describe('unsubscribing stops the query on the server', () => {
  const cluster = useCluster({});
  const conn = useConnection(() => ({
    host: '127.0.0.1',
    port: cluster().port,
    user: cluster().user,
    dbname: 'postgres',
    sslmode: 'disable',
  }));

  it('take(10) on a billion rows returns at once and leaves the backend idle', async () => {
    const started = Date.now();
    const rows = await lastValueFrom(
      conn().query<{ i: number }>(BILLION).pipe(take(10), toArray()),
    );
    expect(rows.map((r) => r.i)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The next query on the same backend answers: the big one was cancelled, not drained.
    const [{ pid }] = await lastValueFrom(
      conn().query<{ pid: number }>('select pg_backend_pid() as pid').pipe(toArray()),
    );
    expect(pid).toBe(conn().processId);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await backendState(cluster().admin, pid)).toBe('idle');
  });

  it.each([
    ['query', (c: Connection) => c.query(BILLION)],
    [
      'executeStatement',
      (c: Connection) => c.executeStatement('select generate_series(1, $1::bigint) as i', [1e9]),
    ],
  ])('take(3) through %s leaves the connection usable', async (_name, run) => {
    const rows = await lastValueFrom((run(conn()) as Observable<unknown>).pipe(take(3), toArray()));
    expect(rows).toHaveLength(3);
    const next = await lastValueFrom(
      conn().query<{ one: number }>('select 1 as one').pipe(toArray()),
    );
    expect(next).toEqual([{ one: 1 }]);
  });

  it('timeout() ends a sleeping query and the connection serves the next one', async () => {
    await expect(
      lastValueFrom(conn().query('select pg_sleep(30)').pipe(timeout(200))),
    ).rejects.toThrow(/Timeout/i);
    const next = await lastValueFrom(
      conn().query<{ one: number }>('select 1 as one').pipe(toArray()),
    );
    expect(next).toEqual([{ one: 1 }]);
  });

  it('a thousand cancel-then-query cycles never let a cancel hit the next query', async () => {
    for (let cycle = 0; cycle < 1000; cycle++) {
      await firstValueFrom(conn().query(BILLION));
      const [row] = await lastValueFrom(
        conn().query<{ n: number }>(`select ${cycle} as n`).pipe(toArray()),
      );
      expect(row.n).toBe(cycle);
    }
  }, 120_000);

  it('a query unsubscribed before it was sent is never sent', async () => {
    await cluster().admin('create table if not exists never_sent (x int)');
    const slow = conn().query('select pg_sleep(0.3)').subscribe();
    const queued = conn().query('insert into never_sent values (1)').subscribe();
    queued.unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 600));
    slow.unsubscribe();
    await lastValueFrom(conn().query('select 1').pipe(toArray()));
    expect(await cluster().admin('select count(*)::int as n from never_sent')).toEqual([{ n: 0 }]);
  });
});

describe('a cursor holds at most one batch, however slow the consumer', () => {
  const cluster = useCluster({});
  const conn = useConnection(() => ({
    host: cluster().socketDir,
    port: cluster().port,
    user: cluster().user,
    dbname: 'postgres',
  }));

  it('reads two million rows with a slow consumer, never holding more than a batch', async () => {
    const batchSize = 5000;
    let received = 0;
    let consumed = 0;
    let mostHeld = 0;
    await lastValueFrom(
      conn()
        .cursor<{ i: number }, number>(
          'select i from generate_series(1, 2000000) i',
          [],
          (rows) => {
            received += rows.length;
            mostHeld = Math.max(mostHeld, received - consumed);
            // Slow: each batch takes a timer turn before it is done.
            return of(rows.length).pipe(
              delay(1),
              concatMap((n) => {
                consumed += n;
                return of(n);
              }),
            );
          },
          { batchSize },
        )
        .pipe(toArray()),
    );
    expect(consumed).toBe(2_000_000);
    expect(mostHeld).toBeLessThanOrEqual(batchSize);
  }, 60_000);

  it('stops the read when the consumer fails, and the connection goes on', async () => {
    const failing = conn().cursor('select i from generate_series(1, 100000) i', [], () => {
      throw new Error('consumer broke');
    });
    await expect(lastValueFrom(failing)).rejects.toThrow('consumer broke');
    expect(await lastValueFrom(conn().query('select 2 as two').pipe(toArray()))).toEqual([
      { two: 2 },
    ]);
  });

  it('is iterable with for await, and break closes the read', async () => {
    const seen: number[] = [];
    for await (const row of conn().iterate<{ i: number }>(
      'select i from generate_series(1, 1000000) i',
      [],
      { batchSize: 100 },
    )) {
      seen.push(row.i);
      if (seen.length === 250) break;
    }
    expect(seen[249]).toBe(250);
    expect(await lastValueFrom(conn().query('select 3 as three').pipe(toArray()))).toEqual([
      { three: 3 },
    ]);
  });

  it('iterates every row to the end', async () => {
    let sum = 0;
    for await (const row of conn().iterate<{ i: number }>(
      'select i from generate_series(1, 10000) i',
      [],
      { batchSize: 333 },
    )) {
      sum += row.i;
    }
    expect(sum).toBe(50005000);
  });
});

describe('pipelining and cancellation on the wire', () => {
  const cluster = useCluster({ ssl: true });

  it('writes several queries before the first ReadyForQuery', async () => {
    const proxy = await recordingProxy(cluster().port);
    try {
      let seenWhileFirstRuns = '';
      const results = await firstValueFrom(
        connect(
          {
            host: '127.0.0.1',
            port: proxy.port,
            user: cluster().user,
            dbname: 'postgres',
            sslmode: 'disable',
          },
          { env: CLEAN_ENV },
        ).pipe(
          switchMap((c) => {
            const sqls = ['select pg_sleep(0.3), 1 as n', 'select 2 as n', 'select 3 as n'];
            const all = sqls.map((sql) =>
              lastValueFrom(c.query<{ n: number }>(sql).pipe(toArray())),
            );
            // The first query sleeps 300 ms: what reached the server by 150 ms was written
            // before its ReadyForQuery could exist.
            setTimeout(() => (seenWhileFirstRuns = proxy.sent[0].toString('latin1')), 150);
            return Promise.all(all);
          }),
        ),
      );
      expect(results.map((rows) => rows[0].n)).toEqual([1, 2, 3]);
      expect(seenWhileFirstRuns).toContain('select 2 as n');
      expect(seenWhileFirstRuns).toContain('select 3 as n');
    } finally {
      await proxy.close();
    }
  });

  it('sends the CancelRequest of a TLS connection over TLS too', async () => {
    const proxy = await recordingProxy(cluster().port);
    try {
      await firstValueFrom(
        connect(
          {
            host: 'localhost',
            hostaddr: '127.0.0.1',
            port: proxy.port,
            user: cluster().user,
            dbname: 'postgres',
            sslmode: 'require',
          },
          { env: CLEAN_ENV },
        ).pipe(
          switchMap((c) =>
            c.query(BILLION).pipe(
              take(1),
              toArray(),
              switchMap(() => c.query('select 1 as one')),
            ),
          ),
        ),
      );
      expect(proxy.sent.length).toBe(2);
      const cancel = proxy.sent[1];
      // The cancel socket starts with SSLRequest (80877103), never a plaintext CancelRequest.
      expect(cancel.readInt32BE(4)).toBe(80877103);
      expect(cancel.length).toBeGreaterThan(16);
    } finally {
      await proxy.close();
    }
  });
});

describe('bounded reads through the Client', () => {
  const cluster = useCluster({});
  let client: Client;
  beforeAll(() => {
    client = new Client(
      { host: cluster().socketDir, port: cluster().port, user: cluster().user, dbname: 'postgres' },
      { env: CLEAN_ENV, maxConnections: 1 },
    );
  });
  afterAll(() => client.close());

  it('iterates on a pooled connection and gives it back when the loop breaks', async () => {
    let seen = 0;
    for await (const row of client.iterate<{ i: number }>(
      'select generate_series(1, 100000) as i',
      [],
      {
        batchSize: 64,
      },
    )) {
      seen = row.i;
      if (seen === 1000) break;
    }
    expect(seen).toBe(1000);
    // With one connection, this only runs if the read released it.
    expect(await lastValueFrom(client.query('select 4 as four').pipe(toArray()))).toEqual([
      { four: 4 },
    ]);
  });

  it('runs a cursor whose work emits values', async () => {
    const sizes = await lastValueFrom(
      client
        .cursor<{ i: number }, number>(
          'select generate_series(1, 1000) as i',
          [],
          (rows) => of(rows.length),
          {
            batchSize: 300,
          },
        )
        .pipe(toArray()),
    );
    expect(sizes).toEqual([300, 300, 300, 100]);
  });
});

describe('closing and withConnection', () => {
  const cluster = useCluster({});
  const params = () => ({
    host: cluster().socketDir,
    port: cluster().port,
    user: cluster().user,
    dbname: 'postgres',
  });

  it('withConnection takes work that returns a Promise, and closes after it', async () => {
    const rows = await lastValueFrom(
      withConnection(
        params(),
        (conn) => lastValueFrom(conn.query<{ n: number }>('select 7 as n').pipe(toArray())),
        {
          env: CLEAN_ENV,
        },
      ),
    );
    expect(rows).toEqual([{ n: 7 }]);
  });

  it('withConnection reports an error thrown by its work', async () => {
    await expect(
      lastValueFrom(
        withConnection(
          params(),
          async () => {
            throw new Error('work failed');
          },
          { env: CLEAN_ENV },
        ),
      ),
    ).rejects.toThrow('work failed');
  });

  it('close() cancels a query the server is still running', async () => {
    const conn = await firstValueFrom(connect(params(), { env: CLEAN_ENV }));
    const pid = conn.processId;
    // A FROM-clause function scan computes everything before its first row: nothing arrives.
    conn
      .query('select g as close_cancels from generate_series(1, 1000000000) g')
      .subscribe({ error: () => undefined });
    await new Promise((resolve) => setTimeout(resolve, 300));
    conn.close();
    const deadline = Date.now() + 5000;
    let active = 1;
    while (active > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const rows = await cluster().admin<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where pid = $1 and state = 'active'",
        [pid],
      );
      active = rows[0].n;
    }
    expect(active).toBe(0);
  });
});
