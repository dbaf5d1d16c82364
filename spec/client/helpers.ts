import { Client, type ClientOptions } from '../../src';
import type { Cluster } from '../support/cluster';
import { CLEAN_ENV } from '../support/outcome';

/** Clients made by a test file, closed after each test. */
const made: Client[] = [];

afterEach(() => {
  for (const client of made.splice(0)) client.closeNow();
});

/**
 * A Client of `cluster` over TCP (or through a proxy on `port`), named so that pg_stat_activity
 * can count its connections.
 */
export function clientOf(
  cluster: Cluster,
  options: ClientOptions = {},
  applicationName = 'rxpg-client-test',
  port = cluster.port,
): Client {
  const client = new Client(
    {
      host: '127.0.0.1',
      port: String(port),
      dbname: 'postgres',
      user: cluster.user,
      sslmode: 'disable',
      application_name: applicationName,
    },
    { env: CLEAN_ENV, ...options },
  );
  made.push(client);
  return client;
}

/** Backends of the client named `applicationName`, as the server sees them. */
export async function backends(cluster: Cluster, applicationName = 'rxpg-client-test') {
  return cluster.admin<{ pid: number; state: string; query: string }>(
    'select pid, state, query from pg_stat_activity where application_name = $1',
    [applicationName],
  );
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it holds, or fails after `ms`. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  ms = 5_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}
