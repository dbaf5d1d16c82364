/**
 * Every client of every scenario, in the order of the table. Each child process imports only
 * the library it runs, so that its RSS is that client's alone.
 */
import type { Job, RunResult, Scenario } from '../shared';

type Runner = (job: Job) => Promise<RunResult>;

const rxpgStream = () => import('./rxpg-stream');
const rxpgPool = () => import('./rxpg-pool');
const pg = () => import('./pg');
const postgresjs = () => import('./postgresjs');

/** psql runs in the parent (see psql.ts), not in a Node child. */
export const PSQL_CLIENTS = ['psql select', 'psql COPY'] as const;

export const RUNNERS: Readonly<Record<Scenario, Readonly<Record<string, Runner>>>> = {
  stream: {
    'rxpg query': async (job) => (await rxpgStream()).stream(job, 'query'),
    'rxpg executeStatement': async (job) => (await rxpgStream()).stream(job, 'executeStatement'),
    'rxpg cursor': async (job) => (await rxpgStream()).streamCursor(job),
    'pg buffered': async (job) => (await pg()).buffered(job),
    'pg-query-stream': async (job) => (await pg()).stream(job),
    'postgres.js buffered': async (job) => (await postgresjs()).stream(job, 'buffered'),
    'postgres.js forEach': async (job) => (await postgresjs()).stream(job, 'forEach'),
    'postgres.js cursor': async (job) => (await postgresjs()).stream(job, 'cursor'),
  },
  slow: {
    'rxpg cursor': async (job) => (await rxpgStream()).slowCursor(job),
    'rxpg query + concatMap': async (job) => (await rxpgStream()).slowQuery(job),
    'pg-query-stream': async (job) => (await pg()).slow(job),
    'postgres.js cursor': async (job) => (await postgresjs()).slow(job),
  },
  pool: {
    'rxpg Client': async (job) => (await rxpgPool()).poolClient(job),
    'rxpg connections, round-robin': async (job) => (await rxpgPool()).poolConnections(job),
    'pg.Pool': async (job) => (await pg()).pool(job),
    'postgres.js': async (job) => (await postgresjs()).pool(job),
  },
  connect: {
    rxpg: async (job) => (await rxpgPool()).firstRow(job),
    pg: async (job) => (await pg()).firstRow(job),
    'postgres.js': async (job) => (await postgresjs()).firstRow(job),
  },
};

/** The clients of a scenario in table order, psql included where it takes part. */
export function clientsOf(scenario: Scenario): string[] {
  const node = Object.keys(RUNNERS[scenario]);
  return scenario === 'stream' ? [...node, ...PSQL_CLIENTS] : node;
}
