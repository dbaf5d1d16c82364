import { spawn, type ChildProcess } from 'node:child_process';
import { open, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { isErrno } from './throwaway-cache';
import { ThrowawayError, ThrowawayErrorCode } from './throwaway-error';
import type { ServerUser } from './throwaway-user';

/** A postmaster started by {@link startServer}. */
export interface RunningServer {
  readonly pid: number;
  /** Shuts down: 'immediate' (SIGQUIT) skips the checkpoint, 'fast' (SIGINT) writes one. */
  stop(mode: 'immediate' | 'fast'): Promise<void>;
}

/** What is needed to run one postmaster. */
export interface ServerSetup {
  readonly binDir: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly port: number;
  readonly user: ServerUser | undefined;
}

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
/** A fresh cluster gets ready in about 10 ms; pg_ctl -w would poll only every 100 ms. */
const READY_POLL_MS = 5;
/** Line 8 of postmaster.pid holds the status, "ready" once connections are accepted. */
const PID_FILE_STATUS_LINE = 7;
const PORT_IN_USE = /could not bind|address already in use|could not create any TCP\/IP sockets/i;
const LOG_LINES_IN_ERRORS = 20;

/**
 * A port that was free on 127.0.0.1 a moment ago; another process may take it before the
 * server binds it, which {@link startServer} reports as 'port-in-use'.
 * @internal
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('No port from the probe socket'));
      });
    });
  });
}

/**
 * Starts a postmaster on a data dir and resolves once it accepts connections, or with
 * 'port-in-use' when it exited because another process holds the port. The postmaster runs in
 * its own session, so that a Ctrl-C meant for this process does not reach it first.
 * @internal
 */
export async function startServer(setup: ServerSetup): Promise<RunningServer | 'port-in-use'> {
  const logStart = await sizeOf(setup.logFile);
  const child = await spawnPostmaster(setup);
  child.unref();

  // Set once the postmaster is gone, by its exit or a failure to spawn it.
  let gone = false;
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      spawnError = error;
      resolve();
    });
  }).then(() => {
    gone = true;
  });
  const pid = child.pid;
  const ready = pid !== undefined && (await waitReady(setup.dataDir, pid, () => gone));
  if (!ready || pid === undefined) {
    const timedOut = !gone;
    child.kill('SIGKILL');
    await exited;
    const output = (await readFile(setup.logFile, 'utf8')).slice(logStart);
    if (!timedOut && PORT_IN_USE.test(output)) return 'port-in-use';
    const what = spawnError?.message ?? (timedOut ? 'did not get ready' : 'exited');
    throw new ThrowawayError(
      ThrowawayErrorCode.StartFailed,
      `PostgreSQL ${what} on port ${setup.port}; its log ends:\n` +
        output.trimEnd().split('\n').slice(-LOG_LINES_IN_ERRORS).join('\n'),
      { cause: spawnError, hint: `The whole log is in ${setup.logFile} until the cluster goes.` },
    );
  }

  return {
    pid,
    async stop(mode) {
      if (gone) return;
      child.kill(mode === 'immediate' ? 'SIGQUIT' : 'SIGINT');
      const timer = new AbortController();
      const timeout = sleep(STOP_TIMEOUT_MS, false, { signal: timer.signal }).catch(() => true);
      const stopped = await Promise.race([exited.then(() => true), timeout]);
      timer.abort();
      if (stopped) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function spawnPostmaster(setup: ServerSetup): Promise<ChildProcess> {
  const log = await open(setup.logFile, 'a');
  try {
    const identity = setup.user === undefined ? {} : { uid: setup.user.uid, gid: setup.user.gid };
    return spawn(join(setup.binDir, 'postgres'), ['-D', setup.dataDir, '-p', String(setup.port)], {
      ...identity,
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
    });
  } finally {
    // The child has its own copy of the descriptor by now.
    await log.close();
  }
}

async function waitReady(dataDir: string, pid: number, gone: () => boolean): Promise<boolean> {
  const lockFile = join(dataDir, 'postmaster.pid');
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!gone() && Date.now() < deadline) {
    const lines = await readFile(lockFile, 'utf8').then(
      (text) => text.split('\n'),
      () => [],
    );
    if (Number(lines[0]) === pid && lines[PID_FILE_STATUS_LINE]?.trim() === 'ready') return true;
    await sleep(READY_POLL_MS);
  }
  return false;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return 0;
    throw error;
  }
}
