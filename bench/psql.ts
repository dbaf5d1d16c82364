/**
 * psql as the reference: the select a C client manages, and COPY TO STDOUT, the rate at which
 * the server can produce the rows at all. Over the same plain TCP as the Node clients.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

import { streamSql, type BenchServer, type RunResult } from './shared';

export const PSQL = '/usr/bin/psql';
/** GNU time reports the peak RSS of the process it runs (%M, in KB). */
const TIME = '/usr/bin/time';
const KB_PER_MB = 1024;
const NS_PER_SECOND = 1e9;

export function psqlAvailable(): boolean {
  return existsSync(PSQL);
}

/** psql's version line, or undefined without psql. */
export function psqlVersion(): Promise<string | undefined> {
  if (!psqlAvailable()) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const child = spawn(PSQL, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('close', () => resolve(out.trim() || undefined));
    child.on('error', () => resolve(undefined));
  });
}

/**
 * Runs `psql -X -A -t -o /dev/null -c <select>` (or the COPY) and reports rows/s over the
 * whole process (start and connect included: a few ms) and its peak RSS.
 */
export function runPsql(server: BenchServer, rows: number, copy: boolean): Promise<RunResult> {
  const sql = streamSql(rows);
  const command = copy ? `copy (${sql}) to stdout` : sql;
  const psqlArgs = ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-o', '/dev/null'];
  const timed = existsSync(TIME);
  const [file, args] = timed
    ? [TIME, ['-f', '%M', PSQL, ...psqlArgs, '-c', command]]
    : [PSQL, [...psqlArgs, '-c', command]];
  // Only these variables: nothing of the user's environment may point psql elsewhere.
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    PGHOST: server.host,
    PGPORT: String(server.port),
    PGUSER: server.user,
    PGDATABASE: server.database,
    PGSSLMODE: 'disable',
  };
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => resolve({ ok: false, error: error.message }));
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / NS_PER_SECOND;
      const lines = stderr.trim().split('\n');
      if (code !== 0) {
        resolve({ ok: false, error: `psql exited with ${code}: ${stderr.trim()}` });
        return;
      }
      const maxRssKB = timed ? Number(lines.pop()) : NaN;
      resolve({
        ok: true,
        count: rows,
        seconds,
        maxRssMB: Number.isFinite(maxRssKB) ? maxRssKB / KB_PER_MB : undefined,
        note: 'TCP 127.0.0.1, sslmode=disable; process start and connect included',
      });
    });
  });
}
