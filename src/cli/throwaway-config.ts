import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ThrowawayError, ThrowawayErrorCode } from './throwaway-error';
import { THROWAWAY_SUPERUSER } from './throwaway-template';
import { giveToServer, type ServerUser } from './throwaway-user';

/** TLS material of a throwaway server, as PEM text (not file paths). */
export interface ThrowawaySsl {
  /** The server certificate, optionally followed by intermediate certificates. */
  readonly cert: string;
  /** Its private key, unencrypted. */
  readonly key: string;
  /** CA certificates that client certificates must chain to (ssl_ca_file). */
  readonly ca?: string;
}

/** What {@link writeClusterConfig} writes into a data dir. */
export interface ClusterConfig {
  readonly socketDir: string;
  readonly ssl?: ThrowawaySsl;
  readonly hba?: readonly string[];
  readonly settings?: Readonly<Record<string, string>>;
}

/** pg_hba.conf lines used when none are given: everybody is trusted, locally and on 127.0.0.1. */
export const DEFAULT_HBA: readonly string[] = [
  'local all all trust',
  'host all all 127.0.0.1/32 trust',
];

/** Durability buys nothing in a cluster that is deleted after the tests; speed does. */
const FAST_SETTINGS: Readonly<Record<string, string>> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  shared_buffers: '16MB',
  max_connections: '100',
  autovacuum: 'off',
  huge_pages: 'off',
};

const SETTING_NAME = /^[a-z_][a-z0-9_.]*$/i;
/** Only the server user may read the key; the server refuses a key that others can read. */
const KEY_FILE_MODE = 0o600;
const CERT_FILE_MODE = 0o644;

/**
 * Writes pg_hba.conf, the TLS files and the settings of a throwaway cluster into a data dir
 * copied from the template. The first pg_hba.conf line always trusts the superuser over the
 * Unix socket, so that whoever started the cluster can administer it whatever the other lines
 * say.
 * @internal
 */
export async function writeClusterConfig(
  dataDir: string,
  config: ClusterConfig,
  user: ServerUser | undefined,
): Promise<void> {
  const hba = [`local all ${THROWAWAY_SUPERUSER} trust`, ...(config.hba ?? DEFAULT_HBA)];
  for (const line of hba) {
    if (/[\r\n]/.test(line)) invalid(`pg_hba.conf line ${JSON.stringify(line)} holds a newline`);
  }
  await writeFile(join(dataDir, 'pg_hba.conf'), `${hba.join('\n')}\n`);

  const settings: Record<string, string> = {
    ...FAST_SETTINGS,
    listen_addresses: '127.0.0.1',
    unix_socket_directories: config.socketDir,
    ssl: 'off',
    ...(config.ssl && (await writeSslFiles(dataDir, config.ssl, user))),
    ...config.settings,
  };
  const lines = Object.entries(settings).map(([name, value]) => {
    if (!SETTING_NAME.test(name)) invalid(`${JSON.stringify(name)} is not a setting name`);
    return `${name} = ${quote(value)}`;
  });
  // Later lines win, so these override what initdb wrote.
  await appendFile(join(dataDir, 'postgresql.conf'), `\n# rxpg throwaway\n${lines.join('\n')}\n`);
}

async function writeSslFiles(
  dataDir: string,
  ssl: ThrowawaySsl,
  user: ServerUser | undefined,
): Promise<Record<string, string>> {
  const write = async (name: string, pem: string, mode: number) => {
    const path = join(dataDir, name);
    await writeFile(path, pem, { mode });
    await giveToServer(path, user);
  };
  await write('server.crt', ssl.cert, CERT_FILE_MODE);
  await write('server.key', ssl.key, KEY_FILE_MODE);
  const settings: Record<string, string> = {
    ssl: 'on',
    ssl_cert_file: 'server.crt',
    ssl_key_file: 'server.key',
  };
  if (ssl.ca !== undefined) {
    await write('root.crt', ssl.ca, CERT_FILE_MODE);
    settings.ssl_ca_file = 'root.crt';
  }
  return settings;
}

/** Every setting may be a quoted string in postgresql.conf, whatever its type. */
function quote(value: string): string {
  if (/[\r\n]/.test(value)) invalid(`setting value ${JSON.stringify(value)} holds a newline`);
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function invalid(message: string): never {
  throw new ThrowawayError(ThrowawayErrorCode.InvalidOption, message);
}
