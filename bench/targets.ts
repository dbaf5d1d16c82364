/** The targets of issue #5, checked against one run's medians and same-round ratios. */
import { advantage, medianRss, type Measurement } from './report';
import { decimal, times } from './stats';

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  /** undefined when a figure is missing (a client failed or was skipped). */
  readonly met: boolean | undefined;
}

function atLeast(target: string, value: number, floor: number, show = times): TargetCheck {
  return { target, measured: show(value), met: Number.isNaN(value) ? undefined : value >= floor };
}

function atMost(target: string, value: number, ceiling: number): TargetCheck {
  const measured = `${decimal(value)} MB`;
  return { target, measured, met: Number.isNaN(value) ? undefined : value <= ceiling };
}

/** The bounded cursor where this build has one, else the plain query. */
function slowRxpg(all: readonly Measurement[]): string {
  const cursor = all.some(
    (m) => m.scenario === 'slow' && m.client === 'rxpg cursor' && m.result.ok,
  );
  return cursor ? 'rxpg cursor' : 'rxpg query + concatMap';
}

export function checkTargets(all: readonly Measurement[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const rxpg of ['rxpg query', 'rxpg executeStatement']) {
    checks.push(
      atLeast(
        `${rxpg}: rows/s >= 1.3x postgres.js forEach`,
        advantage(all, 'stream', rxpg, 'postgres.js forEach'),
        1.3,
      ),
      atLeast(
        `${rxpg}: rows/s >= 0.85x psql COPY TO STDOUT`,
        advantage(all, 'stream', rxpg, 'psql COPY'),
        0.85,
      ),
      atMost(`${rxpg}: peak RSS <= 64 MB streaming`, medianRss(all, 'stream', rxpg), 64),
    );
  }
  checks.push(
    atMost(
      `${slowRxpg(all)}, slow consumer: peak RSS <= 100 MB`,
      medianRss(all, 'slow', slowRxpg(all)),
      100,
    ),
    atLeast(
      'rxpg pool: queries/s >= 1.2x postgres.js',
      advantage(all, 'pool', 'rxpg Client', 'postgres.js'),
      1.2,
    ),
    atLeast(
      'rxpg pool: queries/s >= 2x pg.Pool',
      advantage(all, 'pool', 'rxpg Client', 'pg.Pool'),
      2,
    ),
  );
  return checks;
}

export function targetLines(checks: readonly TargetCheck[]): string[] {
  const verdict = (met: boolean | undefined) =>
    met === undefined ? 'not measured' : met ? 'met' : 'NOT MET';
  return [
    '| Target (issue #5) | Measured | Verdict |',
    '|---|--:|---|',
    ...checks.map((c) => `| ${c.target} | ${c.measured} | ${verdict(c.met)} |`),
  ];
}
