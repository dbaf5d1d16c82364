/**
 * `npm run bench`: starts a throwaway PostgreSQL, runs every client of every scenario in
 * fresh processes, alternating, and prints one table of medians, ratios and the targets of
 * issue #5. `npm run bench -- --profile` profiles rxpg's children instead (see profile.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

import { clientsOf, PSQL_CLIENTS } from './clients';
import { checksumDifference, expectedChecksum } from './consumer';
import { readKnobs, type Knobs } from './knobs';
import { profileRxpg } from './profile';
import { psqlAvailable, psqlVersion, runPsql, PSQL } from './psql';
import { tableLines, type Measurement } from './report';
import { runChild } from './runner';
import { startBenchServer, type RunningBench } from './server';
import type { Checksum, RunResult, Scenario, Sizes } from './shared';
import { checkTargets, targetLines } from './targets';

/** The repository: this file runs from node_modules/.cache/rxpg-bench/bench. */
const ROOT = resolve(__dirname, '..', '..', '..', '..');
const RESULTS = join(ROOT, 'bench', 'results');

const TIMEOUT_MS: Readonly<Record<Scenario, number>> = {
  stream: 120_000,
  slow: 300_000,
  pool: 120_000,
  connect: 120_000,
};

const isPsql = (client: string) => (PSQL_CLIENTS as readonly string[]).includes(client);

async function runOne(
  bench: RunningBench,
  scenario: Scenario,
  client: string,
  sizes: Sizes,
): Promise<RunResult> {
  if (isPsql(client)) return runPsql(bench.server, sizes.streamRows, client === 'psql COPY');
  const job = { scenario, client, server: bench.server, sizes };
  return runChild(job, { timeoutMs: TIMEOUT_MS[scenario] });
}

const expected = new Map<number, Checksum>();

/** A run whose values differ from what the query returns counts as failed. */
function verified(scenario: Scenario, sizes: Sizes, result: RunResult): RunResult {
  if (!result.ok || result.checksum === undefined) return result;
  const rows = scenario === 'slow' ? sizes.slowRows : sizes.streamRows;
  if (!expected.has(rows)) expected.set(rows, expectedChecksum(rows));
  const difference = checksumDifference(result.checksum, expected.get(rows) as Checksum);
  return difference === undefined
    ? result
    : { ...result, ok: false, error: `wrong values: ${difference}` };
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

async function measure(bench: RunningBench, knobs: Knobs): Promise<Measurement[]> {
  const all: Measurement[] = [];
  for (const scenario of knobs.scenarios) {
    const clients = clientsOf(scenario).filter((c) => !isPsql(c) || psqlAvailable());
    const rounds = scenario === 'slow' ? knobs.slowRuns : knobs.runs;
    for (let round = 1; round <= rounds; round++) {
      for (const client of rotate(clients, round - 1)) {
        const raw = await runOne(bench, scenario, client, knobs.sizes);
        const result = verified(scenario, knobs.sizes, raw);
        all.push({ scenario, client, round, result });
        console.error(`  ${scenario} ${round}/${rounds} ${client}: ${brief(result)}`);
      }
    }
  }
  return all;
}

function brief(result: RunResult): string {
  if (result.skipped !== undefined) return `skipped: ${result.skipped}`;
  if (!result.ok) return `FAILED ${(result.error ?? '').split('\n').slice(0, 3).join('\n')}`;
  const rate = result.seconds ? Math.round((result.count ?? 0) / result.seconds) : undefined;
  const parts = [
    rate !== undefined && `${rate.toLocaleString('en-US')}/s`,
    result.samplesMs && `${result.samplesMs.length} connections`,
    result.maxRssMB !== undefined && `${Math.round(result.maxRssMB)} MB`,
    result.stopped,
  ];
  return parts.filter(Boolean).join(', ');
}

/** The commit measured, and whether src/ differed from it (the bench compiles the work tree). */
function revision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
    const head = git('log', '-1', '--format=%h %s').trim();
    const dirty = git('status', '--porcelain', '--', 'src').trim() !== '';
    return dirty ? `${head} (src/ with uncommitted changes)` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** The 1-minute load average: other work on the machine skews every figure. */
const load = () => loadavg()[0].toFixed(2);

async function machine(bench: RunningBench, loadBefore: string): Promise<Record<string, string>> {
  const cpu = cpus();
  return {
    rxpg: revision(),
    cpu: `${cpu[0]?.model ?? 'unknown'} x${cpu.length}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GB`,
    os: `Linux ${release()}`,
    node: process.version,
    server: `${bench.serverVersion} (throwaway: fsync off, shared_buffers 16MB)`,
    psql: (await psqlVersion()) ?? `not found at ${PSQL}: psql rows skipped`,
    'load average (1 min) before / after': `${loadBefore} / ${load()}`,
  };
}

function header(knobs: Knobs, info: Record<string, string>, date: string): string[] {
  const env = [knobs.quick && 'BENCH_QUICK=1', `BENCH_RUNS=${knobs.runs}`].filter(Boolean);
  return [
    `# rxpg benchmark, ${date}`,
    '',
    `Command: \`${env.join(' ')} npm run bench\``,
    '',
    ...Object.entries(info).map(([key, value]) => `- ${key}: ${value}`),
    '',
    `Medians of ${knobs.runs} runs per client (slow consumer: ${knobs.slowRuns}), each run a ` +
      'fresh process, clients alternating ' +
      'in rotated order. Streaming, slow and pool: plain TCP to 127.0.0.1 for every client ' +
      '(psql too). Connect: TLS verify-full to localhost, SCRAM-SHA-256. "rxpg advantage": ' +
      "median over rounds of rxpg's figure over this client's (above 1: rxpg faster or " +
      'smaller). Cursor-style clients fetch 1,000 rows per batch.',
    '',
  ];
}

async function main(): Promise<void> {
  const knobs = readKnobs(process.env);
  console.error('Starting a throwaway PostgreSQL with TLS...');
  const bench = await startBenchServer();
  try {
    if (process.argv.includes('--profile')) {
      const date = new Date().toISOString();
      const summary = [`# rxpg profile, ${date}`, '', `rxpg: ${revision()}`, ''];
      summary.push(...(await profileRxpg(bench, knobs.sizes, ROOT)));
      console.log(summary.join('\n'));
      await mkdir(RESULTS, { recursive: true });
      const file = `${stampOf(date)}-profile.md`;
      await writeFile(join(RESULTS, file), `${summary.join('\n')}\n`);
      console.error(`Saved bench/results/${file}`);
      return;
    }
    if (!psqlAvailable()) console.error(`No ${PSQL}: the psql rows are skipped.`);
    const loadBefore = load();
    if (Number(loadBefore) > 1) console.error(`Load average ${loadBefore}: expect noisy figures.`);
    const all = await measure(bench, knobs);
    const date = new Date().toISOString();
    const info = await machine(bench, loadBefore);
    const checks = checkTargets(all);
    const report = [
      ...header(knobs, info, date),
      ...tableLines(all, knobs.sizes),
      '',
      ...targetLines(checks),
      ...(knobs.quick ? ['', 'BENCH_QUICK: reduced sizes; the targets are for the full run.'] : []),
    ];
    console.log(report.join('\n'));
    if (!knobs.quick && !knobs.partial)
      await save(date, report, { date, knobs, machine: info, checks, runs: all });
  } finally {
    await bench.stop();
  }
}

/** 2026-01-02T03:04:05.678Z -> 2026-01-02T0304: a file name. */
const stampOf = (date: string) => date.slice(0, 16).replace(':', '');

async function save(date: string, report: string[], raw: object): Promise<void> {
  await mkdir(RESULTS, { recursive: true });
  const stamp = stampOf(date);
  await writeFile(join(RESULTS, `${stamp}.md`), `${report.join('\n')}\n`);
  await writeFile(join(RESULTS, `${stamp}.json`), `${JSON.stringify(raw, null, 2)}\n`);
  console.error(`Saved bench/results/${stamp}.md and .json`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
