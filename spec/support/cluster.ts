import { Client, type QueryResultRow } from 'pg';

import { startThrowaway, DEFAULT_HBA, type Throwaway } from '../../src/cli/throwaway';
import { readCert, type ServerCertName } from './certs';

/** pg_hba.conf authentication methods that tests use. */
export type AuthMethod = 'trust' | 'reject' | 'password' | 'md5' | 'scram-sha-256' | 'cert';

/** A login role to create once the cluster runs. */
export interface ClusterUser {
  readonly name: string;
  readonly password?: string;
  /**
   * Without `hba`, adds `host all <name> 127.0.0.1/32 <method>` (hostssl for cert) before the
   * default lines. With `hba`, unused.
   */
  readonly method?: AuthMethod;
  /** How the password is stored. Default: md5 for the md5 method, else scram-sha-256. */
  readonly passwordEncryption?: 'md5' | 'scram-sha-256';
}

/** How a test cluster is set up. */
export interface ClusterOptions {
  /** TLS with a server certificate from the fixtures; true means 'server' (localhost). */
  readonly ssl?: boolean | ServerCertName;
  /** Makes client-ca.crt the server's ssl_ca_file, for client certificates. Needs `ssl`. */
  readonly clientCa?: boolean;
  /** pg_hba.conf lines; the superuser stays trusted over the socket whatever they say. */
  readonly hba?: readonly string[];
  readonly users?: readonly ClusterUser[];
  readonly settings?: Readonly<Record<string, string>>;
  readonly binDir?: string;
}

/** A running test cluster with a superuser SQL helper. */
export interface Cluster extends Throwaway {
  /** Runs one statement as the superuser over the Unix socket and resolves with its rows. */
  admin<R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Runs several statements as the superuser in one session (for `set` to matter). */
  adminSession<T>(work: (client: Client) => Promise<T>): Promise<T>;
}

/**
 * Starts a throwaway cluster for tests and creates its users. Stop it with `stop()`, or let
 * {@link useCluster} do both.
 *
 * @example
 * const cluster = await startCluster({
 *   ssl: true,
 *   users: [{ name: 'alice', password: 'secret', method: 'scram-sha-256' }],
 * });
 * await cluster.admin('create table t (id int)');
 * await cluster.stop();
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const certName = options.ssl === true ? 'server' : options.ssl || undefined;
  if (options.clientCa && certName === undefined) throw new Error('clientCa needs ssl');
  const throwaway = await startThrowaway({
    ...(certName && {
      ssl: {
        cert: readCert(`${certName}.crt`),
        key: readCert('server.key'),
        ca: options.clientCa ? readCert('client-ca.crt') : undefined,
      },
    }),
    hba: options.hba ?? [...(options.users ?? []).flatMap(hbaLine), ...DEFAULT_HBA],
    settings: options.settings,
    binDir: options.binDir,
  });
  const cluster = withAdmin(throwaway);
  try {
    await cluster.adminSession(async (client) => {
      for (const user of options.users ?? []) await createUser(client, user);
    });
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/**
 * Starts a cluster before the tests of the enclosing `describe` (or file) and stops it after
 * them; call the returned function inside tests to get it.
 *
 * @example
 * const cluster = useCluster({ ssl: true });
 * it('answers', async () => expect(await cluster().admin('select 1 as one')).toEqual([{ one: 1 }]));
 */
export function useCluster(options: ClusterOptions = {}): () => Cluster {
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster(options);
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => {
    if (cluster === undefined) throw new Error('No cluster: use it inside tests, after beforeAll');
    return cluster;
  };
}

function hbaLine(user: ClusterUser): string[] {
  if (user.method === undefined) return [];
  // The server accepts the cert method only on hostssl lines.
  const kind = user.method === 'cert' ? 'hostssl' : 'host';
  return [`${kind} all ${user.name} 127.0.0.1/32 ${user.method}`];
}

async function createUser(client: Client, user: ClusterUser): Promise<void> {
  const encryption = user.passwordEncryption ?? (user.method === 'md5' ? 'md5' : 'scram-sha-256');
  await client.query(`set password_encryption = ${client.escapeLiteral(encryption)}`);
  const password =
    user.password === undefined ? '' : ` password ${client.escapeLiteral(user.password)}`;
  await client.query(`create role ${client.escapeIdentifier(user.name)} login${password}`);
}

function withAdmin(throwaway: Throwaway): Cluster {
  async function adminSession<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({
      host: throwaway.socketDir,
      port: throwaway.port,
      user: throwaway.user,
      database: throwaway.database,
    });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
  return Object.assign(throwaway, {
    adminSession,
    admin: <R extends QueryResultRow>(sql: string, params?: unknown[]) =>
      adminSession(async (client) => (await client.query<R>(sql, params)).rows),
  });
}
