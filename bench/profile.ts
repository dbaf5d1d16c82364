/**
 * `npm run bench -- --profile`: runs the rxpg streaming child under `node --cpu-prof` and
 * summarises where its time goes, by function (self time) and by file, with compiled
 * positions mapped back to the TypeScript sources.
 */
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runChild } from './runner';
import type { RunningBench } from './server';
import type { Sizes } from './shared';
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
  readonly nodes: readonly { id: number; callFrame: CallFrame; hitCount?: number }[];
  readonly startTime: number;
  readonly endTime: number;
}

/** The streaming clients profiled, each in its own run. */
const PROFILED = ['rxpg query', 'rxpg executeStatement'];

export async function profileStreaming(
  bench: RunningBench,
  sizes: Sizes,
  root: string,
): Promise<string[]> {
  const lines: string[] = [];
  for (const client of PROFILED) lines.push(...(await profileOne(bench, sizes, root, client)), '');
  return lines;
}

async function profileOne(
  bench: RunningBench,
  sizes: Sizes,
  root: string,
  client: string,
): Promise<string[]> {
  const folder = await mkdtemp(join(tmpdir(), 'rxpg-bench-prof-'));
  try {
    const execArgv = [
      '--cpu-prof',
      `--cpu-prof-dir=${folder}`,
      `--cpu-prof-interval=${INTERVAL_US}`,
    ];
    const job = { scenario: 'stream' as const, client, server: bench.server, sizes };
    const result = await runChild(job, { execArgv, timeoutMs: 120_000 });
    if (!result.ok) throw new Error(`profiled run failed: ${result.error}`);
    const [file] = (await readdir(folder)).filter((f) => f.endsWith('.cpuprofile'));
    const profile = JSON.parse(await readFile(join(folder, file), 'utf8')) as CpuProfile;
    const rate = Math.round((result.count ?? 0) / (result.seconds ?? NaN));
    return [
      `## ${client}: ${sizes.streamRows.toLocaleString('en-US')} rows at ` +
        `${rate.toLocaleString('en-US')} rows/s under the profiler (sampling every ${INTERVAL_US} µs)`,
      '',
      ...(await summarise(profile, root)),
    ];
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

async function summarise(profile: CpuProfile, root: string): Promise<string[]> {
  const samples = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / samples;
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let idle = 0;
  for (const node of profile.nodes) {
    const ms = (node.hitCount ?? 0) * msPerSample;
    if (ms === 0) continue;
    if (node.callFrame.functionName === '(idle)') {
      // Waiting for the socket: the server (or the kernel) was the limit meanwhile.
      idle += ms;
      continue;
    }
    const place = await locate(node.callFrame, root);
    const name = node.callFrame.functionName || '(anonymous)';
    add(byFunction, place.file ? `\`${name}\` ${place.file}:${place.line}` : `\`${name}\``, ms);
    add(byFile, place.file ? groupOf(place.file) : name, ms);
  }
  const busy = samples * msPerSample - idle;
  const table = (title: string, rows: Map<string, number>) => [
    `| ${title} | self ms | % of busy |`,
    '|---|--:|--:|',
    ...[...rows]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([key, ms]) => `| ${key} | ${Math.round(ms)} | ${decimal((100 * ms) / busy)} |`),
  ];
  return [
    `Busy ${Math.round(busy)} ms (process start, connect and the query), idle (waiting for ` +
      `the socket) ${Math.round(idle)} ms. Percentages are of busy time.`,
    '',
    ...table('Function (self time)', byFunction),
    '',
    ...table('File or package', byFile),
  ];
}

function add(map: Map<string, number>, key: string, ms: number): void {
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
