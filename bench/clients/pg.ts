/** node-postgres (`pg`, `pg.Pool`) and `pg-query-stream`, with their default type parsers. */
import pg from 'pg';
import QueryStream from 'pg-query-stream';

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
 * pg's defaults already decode as the benchmark wants (int4 number, text string, timestamptz
 * Date, numeric string); the consumer checks it on every row.
 */
function plain(server: BenchServer): pg.ClientConfig {
  return {
    host: server.host,
    port: server.port,
    user: server.user,
    database: server.database,
    ssl: false,
  };
}

async function connected(server: BenchServer): Promise<pg.Client> {
  const client = new pg.Client(plain(server));
  await client.connect();
  return client;
}

export async function buffered(job: Job): Promise<RunResult> {
  const client = await connected(job.server);
  const checker = new RowChecker();
  const timing = startTiming();
  const result = await client.query(streamSql(job.sizes.streamRows));
  for (const row of result.rows) checker.take(row);
  const run = timing.finish(checker.count, { checksum: checker.checksum() });
  await client.end();
  return run;
}

function queryStream(client: pg.Client, rows: number, batchSize: number): QueryStream {
  return client.query(new QueryStream(streamSql(rows), [], { batchSize }));
}

export async function stream(job: Job): Promise<RunResult> {
  const client = await connected(job.server);
  const checker = new RowChecker();
  const timing = startTiming();
  const rows = queryStream(client, job.sizes.streamRows, job.sizes.cursorBatch);
  await new Promise<void>((resolve, reject) => {
    rows.on('data', (row: Record<string, unknown>) => checker.take(row));
    rows.on('error', reject);
    rows.on('end', resolve);
  });
  const run = timing.finish(checker.count, { checksum: checker.checksum() });
  await client.end();
  return run;
}

export async function slow(job: Job): Promise<RunResult> {
  const { slowRows, slowEvery, slowDelayMs, rssLimitMB, cursorBatch } = job.sizes;
  const client = await connected(job.server);
  const checker = new RowChecker();
  const timing = startTiming();
  let stopped: string | undefined;
  for await (const row of queryStream(client, slowRows, cursorBatch)) {
    checker.take(row as Record<string, unknown>);
    if (checker.count % slowEvery !== 0) continue;
    if (overRssLimit(rssLimitMB)) {
      stopped = stoppedAtLimit(rssLimitMB);
      break;
    }
    await sleep(slowDelayMs);
  }
  const run = timing.finish(
    checker.count,
    stopped ? { stopped } : { checksum: checker.checksum() },
  );
  await client.end();
  return run;
}

export async function pool(job: Job): Promise<RunResult> {
  const { poolQueries, poolSize } = job.sizes;
  const pool = new pg.Pool({ ...plain(job.server), max: poolSize });
  const run = async (count: number) => {
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) => pool.query<{ n: number }>(POOL_SQL, [i])),
    );
    return results.reduce((sum, result) => sum + result.rows[0].n, 0);
  };
  checkPoolSum(await run(poolSize * 25), poolSize * 25);
  const timing = startTiming();
  const sum = await run(poolQueries);
  const result = timing.finish(poolQueries, { note: `pg.Pool max ${poolSize}` });
  checkPoolSum(sum, poolQueries);
  await pool.end();
  return result;
}

export async function firstRow(job: Job): Promise<RunResult> {
  const { server } = job;
  const samplesMs: number[] = [];
  for (let k = 0; k <= job.sizes.connects; k++) {
    const started = performance.now();
    const client = new pg.Client({
      host: server.tls.host,
      port: server.port,
      user: server.tls.user,
      password: server.tls.password,
      database: server.database,
      // A CA and rejectUnauthorized (default true): chain and host name are checked.
      ssl: { ca: server.tls.ca },
    });
    await client.connect();
    await client.query(CONNECT_SQL);
    if (k > 0) samplesMs.push(performance.now() - started);
    await client.end();
  }
  return { ok: true, count: samplesMs.length, samplesMs, maxRssMB: peakRssMB() };
}
