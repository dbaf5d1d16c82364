/**
 * libpq's compiled-in defaults, as rxpg fixes them, and where the home folder
 * and the operating-system user come from.
 * @internal
 */
import * as nodeOs from 'node:os';
import * as path from 'node:path';

/** The port used when none is given (libpq `DEF_PGPORT`). */
export const DEFAULT_PORT = 5432;

/** The Unix socket folder used when no host is given (libpq `DEFAULT_PGSOCKET_DIR`). */
export const DEFAULT_SOCKET_DIR = '/tmp';

/**
 * The folder searched for `pg_service.conf` when PGSYSCONFDIR is unset (libpq's
 * `SYSCONFDIR`). The value is the one of the libpq that Debian and Ubuntu ship.
 */
export const DEFAULT_SYSCONFDIR = '/etc/postgresql-common';

/** Files under the home folder, named as libpq names them. */
export const PGPASS_FILE = '.pgpass';
export const SERVICE_FILE = '.pg_service.conf';
export const ROOT_CERT_FILE = path.join('.postgresql', 'root.crt');
export const ROOT_CRL_FILE = path.join('.postgresql', 'root.crl');
export const USER_CERT_FILE = path.join('.postgresql', 'postgresql.crt');
export const USER_KEY_FILE = path.join('.postgresql', 'postgresql.key');

/** What parsing needs to know about the local account; injectable for tests. */
export interface LocalAccount {
  readonly homedir: string;
  readonly username: string;
}

/**
 * The account the process runs as, or empty strings where the system cannot
 * tell (a container without a passwd entry, say).
 */
export function currentAccount(): LocalAccount {
  try {
    const info = nodeOs.userInfo();
    return { homedir: info.homedir, username: info.username };
  } catch {
    return { homedir: '', username: '' };
  }
}

/**
 * The home folder as libpq finds it: `$HOME` when set and not empty, else the
 * account's home folder. Empty when neither is known.
 */
export function homeFolder(env: NodeJS.ProcessEnv, account: LocalAccount): string {
  const home = env.HOME;
  return home !== undefined && home !== '' ? home : account.homedir;
}

/** `file` under `home`, or undefined without a home folder (libpq then skips the file). */
export function underHome(home: string, file: string): string | undefined {
  return home === '' ? undefined : path.join(home, file);
}
