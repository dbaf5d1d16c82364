/** rxpg streaming: query, executeStatement and cursor, with a fast and with a slow consumer. */
import {
  bufferCount,
  concatMap,
  EMPTY,
  ignoreElements,
  throwError,
  timer,
  type Observable,
  type ObservableInput,
} from 'rxjs';

import type { Connection, Row } from '../../src';
import { RowChecker } from '../consumer';
import { streamSql, type Job, type RunResult } from '../shared';
import { overRssLimit, startTiming, stoppedAtLimit, type Timing } from '../timing';
import { drain, open, plainConninfo } from './rxpg-open';

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
  if (!hasCursor(conn)) {
    close();
    return NO_CURSOR;
  }
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
  if (!hasCursor(conn)) {
    close();
    return NO_CURSOR;
  }
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
