/**
 * `npm run bench -- --profile`: runs rxpg's children (streaming, pool, connect) under
 * `node --cpu-prof` and summarises where their time goes, by function (self time) and by
 * file, with compiled positions mapped back to the TypeScript sources.
 */
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runChild } from './runner';
import type { RunningBench } from './server';
import type { RunResult, Scenario, Sizes } from './shared';
import { decimal } from './stats';

/** Sampling period in microseconds (Node's default is 1000). */
const INTERVAL_US = 250;
const TOP = 25;

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

interface CpuProfile {
  readonly nodes: readonly { id: number; callFrame: CallFrame }[];
  /** Monotonic clock, µs: the same clock as process.hrtime. */
  readonly startTime: number;
  readonly endTime: number;
  /** The node sampled at each tick, and the µs since the tick before. */
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The rxpg runs profiled, each in its own child. */
const PROFILED: readonly (readonly [Scenario, string])[] = [
  ['stream', 'rxpg query'],
  ['stream', 'rxpg executeStatement'],
  ['pool', 'rxpg Client'],
  ['pool', 'rxpg connections, round-robin'],
  ['connect', 'rxpg'],
];

export async function profileRxpg(
  bench: RunningBench,
  sizes: Sizes,
  root: string,
): Promise<string[]> {
  const lines: string[] = [];
  for (const [scenario, client] of PROFILED) {
    lines.push(...(await profileOne(bench, sizes, root, scenario, client)), '');
  }
  return lines;
}

function figure(scenario: Scenario, sizes: Sizes, result: RunResult): string {
  const rate = Math.round((result.count ?? 0) / (result.seconds ?? NaN)).toLocaleString('en-US');
  const count = (n: number) => n.toLocaleString('en-US');
  if (scenario === 'stream') return `${count(sizes.streamRows)} rows at ${rate} rows/s`;
  if (scenario === 'pool') return `${count(sizes.poolQueries)} queries at ${rate} queries/s`;
  const samples = [...(result.samplesMs ?? [])].sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)] ?? NaN;
  return `${count(sizes.connects)} connections, median ${decimal(median)} ms`;
}

async function profileOne(
  bench: RunningBench,
  sizes: Sizes,
  root: string,
  scenario: Scenario,
  client: string,
): Promise<string[]> {
  const folder = await mkdtemp(join(tmpdir(), 'rxpg-bench-prof-'));
  try {
    const execArgv = [
      '--cpu-prof',
      `--cpu-prof-dir=${folder}`,
      `--cpu-prof-interval=${INTERVAL_US}`,
    ];
    const job = { scenario, client, server: bench.server, sizes };
    const result = await runChild(job, { execArgv, timeoutMs: 120_000 });
    if (!result.ok) throw new Error(`profiled run failed: ${result.error}`);
    const [file] = (await readdir(folder)).filter((f) => f.endsWith('.cpuprofile'));
    const profile = JSON.parse(await readFile(join(folder, file), 'utf8')) as CpuProfile;
    return [
      `## ${scenario}, ${client}: ${figure(scenario, sizes, result)} under the profiler ` +
        `(sampling every ${INTERVAL_US} µs)`,
      '',
      ...(await summarise(profile, root, result.windowUs)),
    ];
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Self time per node id, in ms, of the samples inside `window` (all of them without one). */
function selfTimes(profile: CpuProfile, window?: readonly [number, number]): Map<number, number> {
  const [from, to] = window ?? [-Infinity, Infinity];
  const times = new Map<number, number>();
  let at = profile.startTime;
  for (let k = 0; k < profile.samples.length; k++) {
    at += profile.timeDeltas[k];
    // A tick stands for the time until the next one.
    const next = profile.timeDeltas[k + 1] ?? INTERVAL_US;
    if (at >= from && at <= to) add(times, profile.samples[k], next / 1000);
  }
  return times;
}

async function summarise(
  profile: CpuProfile,
  root: string,
  window?: readonly [number, number],
): Promise<string[]> {
  const inWindow =
    window !== undefined && window[0] >= profile.startTime && window[1] <= profile.endTime;
  const times = selfTimes(profile, inWindow ? window : undefined);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let idle = 0;
  let busy = 0;
  for (const node of profile.nodes) {
    const ms = times.get(node.id) ?? 0;
    if (ms === 0) continue;
    if (node.callFrame.functionName === '(idle)') {
      // Waiting for the socket: the server (or the kernel) was the limit meanwhile.
      idle += ms;
      continue;
    }
    busy += ms;
    const place = await locate(node.callFrame, root);
    const name = node.callFrame.functionName || '(anonymous)';
    add(byFunction, place.file ? `\`${name}\` ${place.file}:${place.line}` : `\`${name}\``, ms);
    add(byFile, place.file ? groupOf(place.file) : name, ms);
  }
  const table = (title: string, rows: Map<string, number>) => [
    `| ${title} | self ms | % of busy |`,
    '|---|--:|--:|',
    ...[...rows]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([key, ms]) => `| ${key} | ${Math.round(ms)} | ${decimal((100 * ms) / busy)} |`),
  ];
  const scope = inWindow
    ? 'the timed part only (the query, or the 20,000 queries)'
    : 'the whole process, module loading included';
  return [
    `Samples of ${scope}. Busy ${Math.round(busy)} ms; idle (waiting for the socket) ` +
      `${Math.round(idle)} ms. Percentages are of busy time.`,
    '',
    ...table('Function (self time)', byFunction),
    '',
    ...table('File or package', byFile),
  ];
}

function add<K>(map: Map<K, number>, key: K, ms: number): void {
  map.set(key, (map.get(key) ?? 0) + ms);
}

/** node_modules/<pkg>/... -> <pkg>; node:internal/streams/x -> node:internal/streams. */
function groupOf(file: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (pkg) return pkg[1];
  if (file.startsWith('node:')) return file.split('/').slice(0, 2).join('/');
  return file;
}

const maps = new Map<string, Promise<SourceMap | undefined>>();

/** The TypeScript position of a compiled frame, relative to the repository. */
async function locate(frame: CallFrame, root: string): Promise<{ file?: string; line?: number }> {
  if (frame.url === '') return {};
  if (!frame.url.startsWith('file:')) return { file: frame.url, line: frame.lineNumber + 1 };
  const path = fileURLToPath(frame.url);
  if (!maps.has(path)) maps.set(path, loadMap(path));
  const entry = (await maps.get(path))?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry && 'originalSource' in entry) {
    const original = resolve(dirname(path), entry.originalSource);
    return { file: relative(root, original), line: entry.originalLine + 1 };
  }
  return { file: relative(root, path), line: frame.lineNumber + 1 };
}

async function loadMap(path: string): Promise<SourceMap | undefined> {
  try {
    return new SourceMap(JSON.parse(await readFile(`${path}.map`, 'utf8')));
  } catch {
    return undefined;
  }
}
