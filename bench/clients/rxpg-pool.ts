/** rxpg's small queries over four connections, and new TLS + SCRAM connections. */
import { firstValueFrom, switchMap, take, type Observable } from 'rxjs';

import { Client, connect } from '../../src';
import { CONNECT_SQL, POOL_SQL, type Job, type RunResult } from '../shared';
import { checkPoolSum, peakRssMB, startTiming } from '../timing';
import { NO_ENVIRONMENT, open, plainConninfo, tlsConninfo } from './rxpg-open';

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
