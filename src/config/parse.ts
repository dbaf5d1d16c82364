/**
 * The public entry point of the conninfo layer.
 */
import { currentAccount, homeFolder, type LocalAccount } from './defaults';
import { fillFromEnvironment } from './environment';
import { type Settings } from './keywords';
import { parseKeyValue } from './keyvalue';
import { type ConnectionParameters, fromParameters } from './parameters';
import { resolveConfig } from './resolve';
import { applyServiceFile } from './service';
import type { ConnectConfig } from './types';
import { isUri, parseUri } from './uri';

/**
 * Turns connection parameters into a {@link ConnectConfig}, as libpq 18
 * would: explicit parameters first, then the service file (`service` or
 * PGSERVICE), then the PG* environment, then libpq's defaults. Input is a
 * `postgresql://` or `postgres://` URI, a `keyword=value` string, an object
 * with libpq's keyword names, or nothing at all.
 *
 * Throws an RxpgError: `RXPG_INVALID_CONFIG` for an unknown keyword or a bad
 * value (libpq's message, with a hint where rxpg has one), or
 * `RXPG_NOT_SUPPORTED` for a libpq feature rxpg lacks. No file is read
 * except the service file; the password file and certificates are only
 * named, for the connect step to read.
 *
 * @param env the environment to read PG* variables and HOME from
 * @param os the local account: its home folder (when HOME is unset) and user name
 *
 * @example
 * const config = parseConfig('postgresql://ann@db1,db2:5433/app?target_session_attrs=primary');
 * config.hosts; // [{ host: 'db1', port: 5432 }, { host: 'db2', port: 5433 }]
 */
export function parseConfig(
  input: string | ConnectionParameters | undefined,
  env: NodeJS.ProcessEnv = process.env,
  os?: { homedir: string; username: string },
): ConnectConfig {
  const account: LocalAccount = os ?? currentAccount();
  const home = homeFolder(env, account);
  const settings = explicitSettings(input);
  applyServiceFile(settings, env, home);
  fillFromEnvironment(settings, env);
  return resolveConfig(settings, env, account, home);
}

function explicitSettings(input: string | ConnectionParameters | undefined): Settings {
  if (input === undefined) return new Map();
  if (typeof input !== 'string') return fromParameters(input);
  return isUri(input) ? parseUri(input) : parseKeyValue(input);
}
