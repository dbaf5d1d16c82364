/** Runs one job in a fresh Node process and collects its result. */
import { fork } from 'node:child_process';
import { join } from 'node:path';

import type { Job, RunResult } from './shared';

const CHILD = join(__dirname, 'child.js');

export interface ChildOptions {
  /** Node flags of the child, e.g. --cpu-prof. */
  readonly execArgv?: readonly string[];
  /** The child is killed after this long and the run counts as failed. */
  readonly timeoutMs: number;
}

export function runChild(job: Job, options: ChildOptions): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = fork(CHILD, [JSON.stringify(job)], {
      execArgv: [...(options.execArgv ?? [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: RunResult | undefined;
    const timer = setTimeout(() => {
      result ??= { ok: false, error: `timed out after ${options.timeoutMs / 1000} s` };
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('message', (message) => (result ??= message as RunResult));
    child.on('error', (error) => (result ??= { ok: false, error: error.message }));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(result ?? { ok: false, error: `child exited with ${signal ?? code} and no result` });
    });
  });
}
