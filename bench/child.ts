/**
 * A child process of the benchmark: runs one job (one client, one scenario) and sends its
 * result to the parent. A fresh process per run keeps each client's peak RSS its own.
 */
import { RUNNERS } from './clients';
import type { Job, RunResult } from './shared';

async function runJob(job: Job): Promise<RunResult> {
  const runner = RUNNERS[job.scenario][job.client];
  if (runner === undefined) throw new Error(`no client ${job.client} in ${job.scenario}`);
  return runner(job);
}

function failure(error: unknown): RunResult {
  return {
    ok: false,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as Job;
  const result = await runJob(job).catch(failure);
  const send = process.send?.bind(process);
  if (send === undefined) {
    console.log(JSON.stringify(result));
    process.exit(0);
  }
  // Exit without waiting for pools and timers that a client left behind.
  send(result, () => process.exit(0));
}

void main();
