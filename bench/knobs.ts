/** The environment variables that shape a run. */
import type { Scenario, Sizes } from './shared';

export interface Knobs {
  /** Rounds per scenario; each round runs every client once, in a rotated order. */
  readonly runs: number;
  /** Rounds of the slow scenario, the long one: at most {@link SLOW_RUNS}. */
  readonly slowRuns: number;
  readonly quick: boolean;
  readonly scenarios: readonly Scenario[];
  /** True when BENCH_ONLY left scenarios out. */
  readonly partial: boolean;
  readonly sizes: Sizes;
}

const ALL: readonly Scenario[] = ['stream', 'slow', 'pool', 'connect'];
const DEFAULT_RUNS = 5;
const SLOW_RUNS = 2;

const FULL: Sizes = {
  streamRows: 1_000_000,
  slowRows: 10_000_000,
  slowEvery: 1_000,
  slowDelayMs: 1,
  poolQueries: 20_000,
  poolSize: 4,
  connects: 20,
  cursorBatch: 1_000,
  rssLimitMB: 1_024,
};

const QUICK: Sizes = {
  ...FULL,
  streamRows: 100_000,
  slowRows: 1_000_000,
  poolQueries: 2_000,
  connects: 5,
};

/**
 * BENCH_RUNS (default 5, 1 with BENCH_QUICK; the slow scenario runs at most 2 rounds),
 * BENCH_QUICK=1 (a tenth of the rows and queries: a smoke test, not a measurement),
 * BENCH_ONLY=stream,slow,pool,connect, BENCH_RSS_LIMIT_MB (default 1024: a slow consumer past
 * it is stopped). Only a full run (not quick, not partial) saves its results.
 */
export function readKnobs(env: NodeJS.ProcessEnv): Knobs {
  const quick = env.BENCH_QUICK === '1';
  const runs = positive('BENCH_RUNS', env.BENCH_RUNS) ?? (quick ? 1 : DEFAULT_RUNS);
  const base = quick ? QUICK : FULL;
  const rssLimitMB = positive('BENCH_RSS_LIMIT_MB', env.BENCH_RSS_LIMIT_MB) ?? base.rssLimitMB;
  const scenarios = env.BENCH_ONLY?.split(',').map((s) => s.trim()) ?? ALL;
  for (const s of scenarios) {
    if (!ALL.includes(s as Scenario)) throw new Error(`BENCH_ONLY: no scenario ${s}`);
  }
  const partial = scenarios.length < ALL.length;
  return {
    runs,
    slowRuns: Math.min(runs, SLOW_RUNS),
    quick,
    partial,
    scenarios: scenarios as Scenario[],
    sizes: { ...base, rssLimitMB },
  };
}

function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}
