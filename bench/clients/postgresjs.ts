/** postgres.js (`postgres`), with its default types and prepared statements. */
import postgres from 'postgres';

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
  sleep,
  startTiming,
  stoppedAtLimit,
} from '../timing';

/**
 * postgres.js's defaults already decode as the benchmark wants (numeric stays a string,
 * timestamptz becomes a Date); the consumer checks it on every row.
 */
function plain(server: BenchServer, max: number): postgres.Sql {
  return postgres({
    host: server.host,
    port: server.port,
    username: server.user,
    database: server.database,
    ssl: false,
    max,
    onnotice: () => undefined,
  });
}

type Mode = 'buffered' | 'forEach' | 'cursor';

export async function stream(job: Job, mode: Mode): Promise<RunResult> {
  const sql = plain(job.server, 1);
  await sql`select 1`;
  const query = streamSql(job.sizes.streamRows);
  const checker = new RowChecker();
  const timing = startTiming();
  if (mode === 'buffered') {
    for (const row of await sql.unsafe(query)) checker.take(row);
  } else if (mode === 'forEach') {
    await sql.unsafe(query).forEach((row) => checker.take(row));
  } else {
    for await (const rows of sql.unsafe(query).cursor(job.sizes.cursorBatch)) {
      for (const row of rows) checker.take(row);
    }
  }
  const run = timing.finish(checker.count, { checksum: checker.checksum() });
  await sql.end();
  return run;
}

export async function slow(job: Job): Promise<RunResult> {
  const { slowRows, slowEvery, slowDelayMs, rssLimitMB, cursorBatch } = job.sizes;
  const sql = plain(job.server, 1);
  await sql`select 1`;
  const checker = new RowChecker();
  const timing = startTiming();
  let stopped: string | undefined;
  batches: for await (const rows of sql.unsafe(streamSql(slowRows)).cursor(cursorBatch)) {
    for (const row of rows) {
      checker.take(row);
      if (checker.count % slowEvery !== 0) continue;
      if (overRssLimit(rssLimitMB)) {
        stopped = stoppedAtLimit(rssLimitMB);
        break batches;
      }
      await sleep(slowDelayMs);
    }
  }
  const run = timing.finish(
    checker.count,
    stopped ? { stopped } : { checksum: checker.checksum() },
  );
  await sql.end();
  return run;
}

export async function pool(job: Job): Promise<RunResult> {
  const { poolQueries, poolSize } = job.sizes;
  const sql = plain(job.server, poolSize);
  const run = async (count: number) => {
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) => sql<{ n: number }[]>`select ${i}::int as n`),
    );
    return results.reduce((sum, rows) => sum + rows[0].n, 0);
  };
  checkPoolSum(await run(poolSize * 25), poolSize * 25);
  const timing = startTiming();
  const sum = await run(poolQueries);
  const result = timing.finish(poolQueries, { note: `max ${poolSize}; ${POOL_SQL}` });
  checkPoolSum(sum, poolQueries);
  await sql.end();
  return result;
}

export async function firstRow(job: Job): Promise<RunResult> {
  const { server } = job;
  const samplesMs: number[] = [];
  for (let k = 0; k <= job.sizes.connects; k++) {
    const started = performance.now();
    // Connects on the first query. A CA object: chain and host name are checked.
    const sql = postgres({
      host: server.tls.host,
      port: server.port,
      username: server.tls.user,
      password: server.tls.password,
      database: server.database,
      ssl: { ca: server.tls.ca },
      max: 1,
    });
    await sql.unsafe(CONNECT_SQL);
    if (k > 0) samplesMs.push(performance.now() - started);
    await sql.end();
  }
  return { ok: true, count: samplesMs.length, samplesMs, maxRssMB: peakRssMB() };
}
