/** Turns the runs into the table of medians, the ratios and the targets. */
import { clientsOf } from './clients';
import type { RunResult, Scenario, Sizes } from './shared';
import { decimal, integer, median, range, times } from './stats';

export interface Measurement {
  readonly scenario: Scenario;
  readonly client: string;
  readonly round: number;
  readonly result: RunResult;
}

interface ScenarioSpec {
  readonly title: (sizes: Sizes) => string;
  /** The figure compared: a rate, a time or a size. */
  readonly value: (result: RunResult) => number;
  readonly higherIsBetter: boolean;
  readonly format: (value: number) => string;
}

const rate = (r: RunResult) => (r.count ?? NaN) / (r.seconds ?? NaN);
const count = (n: number) => n.toLocaleString('en-US');

export const SCENARIOS: Readonly<Record<Scenario, ScenarioSpec>> = {
  stream: {
    title: (s) => `Stream ${count(s.streamRows)} rows, sync consumer (rows/s)`,
    value: rate,
    higherIsBetter: true,
    format: integer,
  },
  slow: {
    title: (s) =>
      `${count(s.slowRows)} rows, slow async consumer ` +
      `(${s.slowDelayMs} ms every ${count(s.slowEvery)} rows): peak RSS MB`,
    value: (r) => r.maxRssMB ?? NaN,
    higherIsBetter: false,
    format: (v) => `${integer(v)} MB`,
  },
  pool: {
    title: (s) =>
      `${count(s.poolQueries)} concurrent \`select $1::int\`, ${s.poolSize} conns (q/s)`,
    value: rate,
    higherIsBetter: true,
    format: integer,
  },
  connect: {
    title: () => 'New verify-full TLS + SCRAM connection to first row (ms)',
    value: (r) => median(r.samplesMs ?? []),
    higherIsBetter: false,
    format: (v) => `${decimal(v)} ms`,
  },
};

function runsOf(all: readonly Measurement[], scenario: Scenario, client: string): Measurement[] {
  return all.filter((m) => m.scenario === scenario && m.client === client);
}

/** The median peak RSS of a client's successful runs, in MB. */
export function medianRss(all: readonly Measurement[], scenario: Scenario, client: string): number {
  const ok = runsOf(all, scenario, client).filter((m) => m.result.ok);
  return median(ok.map((m) => m.result.maxRssMB ?? NaN));
}

/**
 * How many times better `a` did than `b` (faster, or smaller), as the median of the ratios
 * of runs in the same round: rounds alternate clients, so each pair shares the machine's mood.
 */
export function advantage(
  all: readonly Measurement[],
  scenario: Scenario,
  a: string,
  b: string,
): number {
  const spec = SCENARIOS[scenario];
  const ratios: number[] = [];
  for (const mine of runsOf(all, scenario, a)) {
    const theirs = runsOf(all, scenario, b).find((m) => m.round === mine.round);
    if (!mine.result.ok || theirs === undefined || !theirs.result.ok) continue;
    const [x, y] = [spec.value(mine.result), spec.value(theirs.result)];
    ratios.push(spec.higherIsBetter ? x / y : y / x);
  }
  return median(ratios);
}

export function tableLines(all: readonly Measurement[], sizes: Sizes): string[] {
  const lines = [
    '| Scenario | Client | Median | Min–max | Peak RSS MB | RSS before MB | rxpg advantage | Notes |',
    '|---|---|--:|--:|--:|--:|--:|---|',
  ];
  for (const scenario of Object.keys(SCENARIOS) as Scenario[]) {
    const spec = SCENARIOS[scenario];
    const clients = clientsOf(scenario);
    // The first rxpg client that ran: a build without the cursor falls back to the next one.
    const reference =
      clients.find(
        (c) => c.startsWith('rxpg') && runsOf(all, scenario, c).some((m) => m.result.ok),
      ) ?? clients[0];
    clients.forEach((client, index) => {
      const runs = runsOf(all, scenario, client);
      if (runs.length === 0) return;
      const ok = runs.filter((m) => m.result.ok);
      const values = ok.map((m) => spec.value(m.result));
      const [low, high] = values.length > 0 ? range(values) : [NaN, NaN];
      const rss = medianRss(all, scenario, client);
      // RSS once the client was loaded and connected: Node's own share of the peak.
      const before = median(ok.map((m) => m.result.startRssMB ?? NaN));
      const better =
        client === reference ? 'ref' : times(advantage(all, scenario, reference, client));
      // A run stopped at the RSS limit would have needed more: its figure is a floor.
      const floor = ok.some((m) => m.result.stopped !== undefined) ? '>= ' : '';
      const cells = [
        index === 0 ? spec.title(sizes) : '',
        client,
        values.length > 0 ? floor + spec.format(median(values)) : '—',
        values.length > 0 ? `${spec.format(low)} – ${spec.format(high)}` : '—',
        integer(rss),
        integer(before),
        better,
        notesOf(runs),
      ];
      lines.push(`| ${cells.join(' | ')} |`);
    });
  }
  return lines;
}

function notesOf(runs: readonly Measurement[]): string {
  const notes = new Set<string>();
  const skipped = runs.find((m) => m.result.skipped !== undefined);
  if (skipped !== undefined) notes.add(`skipped: ${skipped.result.skipped}`);
  const failed = runs.filter((m) => !m.result.ok && m.result.skipped === undefined);
  if (failed.length > 0) {
    const error = (failed[0].result.error ?? '').split('\n')[0];
    notes.add(`FAILED ${failed.length} of ${runs.length} runs: ${error}`);
  }
  const stopped = runs.filter((m) => m.result.ok && m.result.stopped !== undefined);
  if (stopped.length > 0) {
    const rows = median(stopped.map((m) => m.result.count ?? NaN));
    notes.add(
      `${stopped[0].result.stopped} in ${stopped.length} of ${runs.length} runs, ` +
        `after ${integer(rows)} rows (median)`,
    );
  }
  for (const { result } of runs) if (result.note !== undefined) notes.add(result.note);
  const seconds = runs.filter((m) => m.result.ok).map((m) => m.result.seconds ?? NaN);
  if (seconds.length > 0 && runs[0].scenario === 'slow') notes.add(`${decimal(median(seconds))} s`);
  return [...notes].join('; ');
}
