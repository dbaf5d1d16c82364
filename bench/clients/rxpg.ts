/** rxpg in every scenario: one connection per stream, four for the pool, a new one per login. */
import {
  bufferCount,
  concatMap,
  firstValueFrom,
  EMPTY,
  ignoreElements,
  switchMap,
  take,
  throwError,
  timer,
  type Observable,
  type ObservableInput,
} from 'rxjs';

import { Client, connect, type Connection, type Row } from '../../src';
import { RowChecker } from '../consumer';
import {
  CONNECT_SQL,
  POOL_SQL,
  streamSql,
  type BenchServer,
  type Job,
  type RunResult,
} from '../shared';
import {
  checkPoolSum,
  overRssLimit,
  peakRssMB,
  startTiming,
  stoppedAtLimit,
  type Timing,
} from '../timing';

/** No PG* variable of the user's environment may change where or how the benchmark connects. */
const NO_ENVIRONMENT = { env: {} };

/** The streaming and pool scenarios run over plain TCP, like every other client. */
function plainConninfo(server: BenchServer): string {
  return (
    `host=${server.host} port=${server.port} user=${server.user} dbname=${server.database} ` +
    'sslmode=disable'
  );
}

function tlsConninfo(server: BenchServer): string {
  const { tls } = server;
  return (
    `host=${tls.host} port=${server.port} user=${tls.user} password=${tls.password} ` +
    `dbname=${server.database} sslmode=verify-full sslrootcert=${tls.caFile}`
  );
}

interface Opened {
  readonly conn: Connection;
  readonly close: () => void;
}

/** Opens a connection and keeps it open (subscribed) until `close()`. */
function open(conninfo: string): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const subscription = connect(conninfo, NO_ENVIRONMENT).subscribe({
      next: (conn) => resolve({ conn, close: () => subscription.unsubscribe() }),
      error: reject,
    });
  });
}

function drain<T>(rows$: Observable<T>, take: (row: T) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    rows$.subscribe({
      next(row) {
        try {
          take(row);
        } catch (error) {
          reject(error);
        }
      },
      error: reject,
      complete: resolve,
    });
  });
}

export async function stream(job: Job, method: 'query' | 'executeStatement'): Promise<RunResult> {
  const { conn, close } = await open(plainConninfo(job.server));
  const checker = new RowChecker();
  const sql = streamSql(job.sizes.streamRows);
  const timing = startTiming();
  await drain(method === 'query' ? conn.query(sql) : conn.executeStatement(sql), (row) =>
    checker.take(row),
  );
  const result = timing.finish(checker.count, { checksum: checker.checksum() });
  close();
  return result;
}

class RssLimitReached extends Error {}

/** `Connection.cursor` of issue #5, looked up at run time so that builds without it still run. */
interface WithCursor {
  cursor<T, R>(
    sql: string,
    params: readonly unknown[],
    work: (rows: T[]) => ObservableInput<R>,
    options?: { readonly batchSize?: number },
  ): Observable<R>;
}

function hasCursor(conn: Connection): conn is Connection & WithCursor {
  return typeof (conn as Partial<WithCursor>).cursor === 'function';
}

const NO_CURSOR: RunResult = { ok: false, skipped: 'this build of rxpg has no Connection.cursor' };

/** Sync consumer over `conn.cursor(...)`: each batch read at once, the next then fetched. */
export async function streamCursor(job: Job): Promise<RunResult> {
  const { conn, close } = await open(plainConninfo(job.server));
  if (!hasCursor(conn)) return NO_CURSOR;
  const checker = new RowChecker();
  const sql = streamSql(job.sizes.streamRows);
  const timing = startTiming();
  const read$ = conn.cursor<Row, never>(
    sql,
    [],
    (rows) => {
      for (const row of rows) checker.take(row);
      return EMPTY;
    },
    { batchSize: job.sizes.cursorBatch },
  );
  await drain(read$, () => undefined);
  const result = timing.finish(checker.count, { checksum: checker.checksum() });
  close();
  return result;
}

/**
 * The slow consumer with the bounded API: `conn.cursor(...)`, whose work returns a timer, so
 * the next batch is fetched only when the wait is over.
 */
export async function slowCursor(job: Job): Promise<RunResult> {
  const { slowRows, slowEvery, slowDelayMs, rssLimitMB, cursorBatch } = job.sizes;
  const { conn, close } = await open(plainConninfo(job.server));
  if (!hasCursor(conn)) return NO_CURSOR;
  const checker = new RowChecker();
  const timing = startTiming();
  const read$ = conn.cursor<Row, never>(
    streamSql(slowRows),
    [],
    (rows) => {
      const before = checker.count;
      for (const row of rows) checker.take(row);
      if (overRssLimit(rssLimitMB)) return throwError(() => new RssLimitReached());
      // One wait per `slowEvery` rows taken, as the other clients do.
      const waits = Math.floor(checker.count / slowEvery) - Math.floor(before / slowEvery);
      return waits > 0 ? timer(waits * slowDelayMs).pipe(ignoreElements()) : EMPTY;
    },
    { batchSize: cursorBatch },
  );
  const result = await finishSlow(read$, checker, timing, rssLimitMB);
  close();
  return result;
}

/**
 * The slow consumer without backpressure: the obvious RxJS one over a plain query, batches
 * of rows through concatMap, waiting after each. Rows that arrive meanwhile queue up inside
 * concatMap. (A concatMap per row, with EMPTY for most rows, overflows the stack when it
 * drains a long queue, so rows are batched first.)
 */
export async function slowQuery(job: Job): Promise<RunResult> {
  const { slowRows, slowEvery, slowDelayMs, rssLimitMB } = job.sizes;
  const { conn, close } = await open(plainConninfo(job.server));
  const checker = new RowChecker();
  const timing = startTiming();
  const consumed$ = conn.query(streamSql(slowRows)).pipe(
    bufferCount(slowEvery),
    concatMap((rows) => {
      for (const row of rows) checker.take(row);
      if (overRssLimit(rssLimitMB)) return throwError(() => new RssLimitReached());
      return timer(slowDelayMs);
    }),
  );
  const result = await finishSlow(consumed$, checker, timing, rssLimitMB);
  close();
  return { ...result, note: 'query() + bufferCount + concatMap: no backpressure' };
}

async function finishSlow(
  consumed$: Observable<unknown>,
  checker: RowChecker,
  timing: Timing,
  rssLimitMB: number,
): Promise<RunResult> {
  try {
    await drain(consumed$, () => undefined);
    return timing.finish(checker.count, { checksum: checker.checksum() });
  } catch (error) {
    if (!(error instanceof RssLimitReached)) throw error;
    return timing.finish(checker.count, { stopped: stoppedAtLimit(rssLimitMB) });
  }
}

/**
 * Answers `select $1::int` for 0, 1, ..., count - 1, all subscribed at once, and adds them up.
 * Each query is its own subscription, as each is its own promise under Promise.all for pg and
 * postgres.js: merging 20,000 live observables into one (mergeMap) would add RxJS's own cost
 * of removing each finished inner subscription from an array of thousands.
 */
function poolRun(count: number, run: (i: number) => Observable<{ n: number }>): Promise<number> {
  return new Promise((resolve, reject) => {
    let sum = 0;
    let left = count;
    for (let i = 0; i < count; i++) {
      run(i).subscribe({
        next: (row) => (sum += row.n),
        error: reject,
        complete: () => --left === 0 && resolve(sum),
      });
    }
  });
}

async function timedPool(
  job: Job,
  run: (i: number) => Observable<{ n: number }>,
  note: string,
): Promise<RunResult> {
  const { poolQueries, poolSize } = job.sizes;
  // A warm-up opens the connections and prepares the statement on each.
  checkPoolSum(await poolRun(poolSize * 25, run), poolSize * 25);
  const timing = startTiming();
  const sum = await poolRun(poolQueries, run);
  const result = timing.finish(poolQueries, { note });
  checkPoolSum(sum, poolQueries);
  return result;
}

/** The Client: a pool of `maxConnections`, each query on whichever connection is free. */
export async function poolClient(job: Job): Promise<RunResult> {
  const { poolSize } = job.sizes;
  const client = new Client(plainConninfo(job.server), {
    ...NO_ENVIRONMENT,
    maxConnections: poolSize,
  });
  const run = (i: number) => client.executeStatement<{ n: number }>(POOL_SQL, [i]);
  const result = await timedPool(job, run, `new Client(..., { maxConnections: ${poolSize} })`);
  await client.close();
  return result;
}

/** Connections from connect(), queries dealt to them in turn: no pool in between. */
export async function poolConnections(job: Job): Promise<RunResult> {
  const opened = await Promise.all(
    Array.from({ length: job.sizes.poolSize }, () => open(plainConninfo(job.server))),
  );
  const conns = opened.map((o) => o.conn);
  const run = (i: number) => conns[i % conns.length].executeStatement<{ n: number }>(POOL_SQL, [i]);
  const result = await timedPool(job, run, `${conns.length} connect() connections, round-robin`);
  for (const o of opened) o.close();
  return result;
}

export async function firstRow(job: Job): Promise<RunResult> {
  const conninfo = tlsConninfo(job.server);
  const samplesMs: number[] = [];
  for (let k = 0; k <= job.sizes.connects; k++) {
    const started = performance.now();
    // take(1) unsubscribes at the first row, which closes the connection.
    await firstValueFrom(
      connect(conninfo, NO_ENVIRONMENT).pipe(
        switchMap((conn) => conn.query(CONNECT_SQL)),
        take(1),
      ),
    );
    // The first connection loads and compiles code: a warm-up, not timed.
    if (k > 0) samplesMs.push(performance.now() - started);
  }
  return { ok: true, count: samplesMs.length, samplesMs, maxRssMB: peakRssMB() };
}
