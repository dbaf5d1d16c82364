import { join } from 'node:path';
import { Client, type ClientOptions } from '../../src';
import { runAs, serverUser } from '../../src/cli/throwaway-user';
import type { Cluster } from '../support/cluster';
import { CLEAN_ENV } from '../support/outcome';

/** libpq parameters of a session through 127.0.0.1:`port` (a proxy or the server itself). */
export function paramsVia(cluster: Cluster, port: number, extra: Record<string, string> = {}) {
  return {
    host: '127.0.0.1',
    port: String(port),
    dbname: 'postgres',
    user: cluster.user,
    sslmode: 'disable',
    application_name: 'rxpg-faults',
    ...extra,
  };
}

/** A Client through 127.0.0.1:`port`; close it in the test. */
export function clientVia(cluster: Cluster, port: number, options: ClientOptions = {}): Client {
  return new Client(paramsVia(cluster, port), { env: CLEAN_ENV, ...options });
}

/** Kills the server at once, as `pg_ctl stop -m immediate` does: no backend says goodbye. */
export async function killServer(cluster: Cluster): Promise<void> {
  await runAs(serverUser(), join(cluster.binDir, 'pg_ctl'), [
    'stop',
    '-m',
    'immediate',
    '-w',
    '-D',
    cluster.dataDir,
  ]);
}

/** Backends of rxpg-faults sessions, as the server sees them. */
export async function faultSessions(cluster: Cluster): Promise<{ pid: number; state: string }[]> {
  return cluster.admin<{ pid: number; state: string }>(
    "select pid, state from pg_stat_activity where application_name = 'rxpg-faults'",
  );
}

/** Polls `check` until it holds, failing after `ms`. */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A small deterministic generator (mulberry32), so that a failing run can be replayed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
