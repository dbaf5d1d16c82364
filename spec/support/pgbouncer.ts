import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';

import { clusterParentDir } from '../../src/cli/throwaway-cache';
import { freePort } from '../../src/cli/throwaway-server';
import { giveToServer, serverUser } from '../../src/cli/throwaway-user';
import type { Cluster } from './cluster';

/** Where the Debian package puts the binary; PGBOUNCER overrides it. */
const DEFAULT_BINARY = '/usr/sbin/pgbouncer';
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** A PgBouncer in front of a test cluster. */
export interface PgBouncer {
  readonly port: number;
  readonly logFile: string;
  stop(): Promise<void>;
}

/** How PgBouncer is set up. */
export interface PgBouncerOptions {
  /** `transaction` (default) or `session`. */
  readonly poolMode?: 'transaction' | 'session';
  /** Server connections per database and user (default 2). */
  readonly poolSize?: number;
  /** Startup parameters PgBouncer drops instead of refusing (default: IntervalStyle). */
  readonly ignoreStartupParameters?: readonly string[];
}

/** The pgbouncer binary, or undefined when it is not installed. */
export function findPgBouncer(): string | undefined {
  const candidates = [process.env.PGBOUNCER, DEFAULT_BINARY, '/usr/bin/pgbouncer'];
  for (const path of candidates) {
    if (path === undefined || path === '') continue;
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here: try the next place
    }
  }
  return undefined;
}

/** The version of a pgbouncer binary, e.g. [1, 18]. */
export function pgBouncerVersion(binary: string): readonly [number, number] {
  const output = execFileSync(binary, ['--version'], { encoding: 'utf8' });
  const match = /PgBouncer (\d+)\.(\d+)/.exec(output);
  if (match === null) throw new Error(`no version in: ${output}`);
  return [Number(match[1]), Number(match[2])];
}

/**
 * Starts PgBouncer on a free port of 127.0.0.1 in front of `cluster`, trusting everyone, as
 * the server user when this process is root (PgBouncer refuses to run as root). Resolves once
 * it accepts connections.
 */
export async function startPgBouncer(
  binary: string,
  cluster: Cluster,
  options: PgBouncerOptions = {},
): Promise<PgBouncer> {
  const user = serverUser();
  const folder = await mkdtemp(join(clusterParentDir(user), 'rxpg-pgbouncer-'));
  await giveToServer(folder, user);
  const port = await freePort();
  const logFile = join(folder, 'pgbouncer.log');
  const ini = join(folder, 'pgbouncer.ini');
  const users = join(folder, 'userlist.txt');
  await writeFile(users, `"${cluster.user}" ""\n`);
  const ignored = options.ignoreStartupParameters ?? ['IntervalStyle'];
  await writeFile(
    ini,
    [
      '[databases]',
      `postgres = host=127.0.0.1 port=${cluster.port} dbname=postgres`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      // No Unix socket: nothing outside the test's own folders and 127.0.0.1.
      "unix_socket_dir = ''",
      'auth_type = trust',
      `auth_file = ${users}`,
      `pool_mode = ${options.poolMode ?? 'transaction'}`,
      `default_pool_size = ${options.poolSize ?? 2}`,
      'max_client_conn = 200',
      `logfile = ${logFile}`,
      ...(ignored.length > 0 ? [`ignore_startup_parameters = ${ignored.join(', ')}`] : []),
      '',
    ].join('\n'),
  );
  for (const path of [ini, users]) await giveToServer(path, user);
  const identity = user === undefined ? {} : { uid: user.uid, gid: user.gid };
  const child = spawn(binary, [ini], { ...identity, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      await rm(folder, { recursive: true, force: true });
    })();
    return stopping;
  };
  try {
    await waitListening(port, exited);
  } catch (error) {
    const log = await readFile(logFile, 'utf8').catch(() => '(no log)');
    await stop();
    throw new Error(`${String(error)}; its log:\n${log}`, { cause: error });
  }
  return { port, logFile, stop };
}

/** Polls the port until a TCP connection opens; fails if PgBouncer exits or is too slow. */
async function waitListening(port: number, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await canConnect(port))) {
    if (gone) throw new Error('pgbouncer exited before it listened');
    if (Date.now() > deadline) throw new Error(`pgbouncer did not listen on ${port} in time`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
