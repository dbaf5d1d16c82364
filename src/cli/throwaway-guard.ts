import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';

/**
 * Runs after this process is gone, however it died (even SIGKILL, which no handler sees): the
 * read ends when the kernel closes our end of its stdin pipe. It then shuts the server down
 * at once (SIGQUIT, as `pg_ctl stop -m immediate`), waits for the lock file to go and removes
 * the cluster's folder. The pid is read at that moment, since a restart changes it.
 */
const WATCHDOG_SCRIPT = `
read -r _
pid=$(head -n 1 "$2/postmaster.pid" 2>/dev/null) && kill -QUIT "$pid" 2>/dev/null
i=0
while [ -e "$2/postmaster.pid" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
rm -rf "$1"
`;

/** How long the exit handler waits for a server to go before removing its files anyway. */
const EXIT_WAIT_MS = 5_000;
const EXIT_POLL_MS = 10;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

interface Guarded {
  readonly folder: string;
  readonly dataDir: string;
  readonly watchdog: ChildProcess;
}

const guarded = new Set<Guarded>();

/**
 * Makes sure the server of a cluster and its folder do not outlive this process: an exit
 * handler stops them synchronously, and a watchdog process catches the deaths that no handler
 * sees. Call the returned function once the cluster is stopped.
 *
 * Under Jest, `process` is a copy whose 'exit' never fires; the watchdog covers that case.
 * @internal
 */
export function guardCluster(folder: string, dataDir: string): () => void {
  const watchdog = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'rxpg-watchdog', folder, dataDir], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  // Neither the watchdog nor its pipe may keep this process alive.
  watchdog.unref();
  if (watchdog.stdin instanceof Socket) watchdog.stdin.unref();
  const entry: Guarded = { folder, dataDir, watchdog };
  if (guarded.size === 0) installHandlers();
  guarded.add(entry);
  return () => {
    if (!guarded.delete(entry)) return;
    watchdog.kill('SIGKILL');
    if (guarded.size === 0) removeHandlers();
  };
}

function installHandlers(): void {
  process.on('exit', stopAllNow);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function removeHandlers(): void {
  process.removeListener('exit', stopAllNow);
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
}

function onSignal(signal: NodeJS.Signals): void {
  // Another listener means the program handles this signal and decides whether to exit.
  if (process.listenerCount(signal) > 1) return;
  stopAllNow();
  removeHandlers();
  // Die of the signal as if nobody had listened, so the exit status tells the truth.
  process.kill(process.pid, signal);
}

function stopAllNow(): void {
  for (const entry of guarded) {
    // Killed first, so that it cannot signal a pid that the system has given to another process.
    entry.watchdog.kill('SIGKILL');
    stopServerNow(entry.dataDir);
    rmSync(entry.folder, { recursive: true, force: true });
  }
  guarded.clear();
}

function stopServerNow(dataDir: string): void {
  const lockFile = join(dataDir, 'postmaster.pid');
  const pid = readPid(lockFile);
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {
    return;
  }
  // An exit handler cannot wait on the event loop; the postmaster removes its lock file last.
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; waited < EXIT_WAIT_MS && existsSync(lockFile); waited += EXIT_POLL_MS) {
    Atomics.wait(pause, 0, 0, EXIT_POLL_MS);
  }
}

function readPid(lockFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockFile, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
