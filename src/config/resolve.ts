/**
 * From the settings that input, service file and environment gave to the
 * {@link ConnectConfig} that the connect step reads.
 */
import { type LocalAccount, PGPASS_FILE, underHome } from './defaults';
import { environmentServerSettings } from './environment';
import { invalidConfig } from './fail';
import { resolveHosts } from './hosts';
import type { Keyword, Settings } from './keywords';
import { parseRequireAuth } from './require-auth';
import { resolveSsl } from './ssl';
import type { ConnectConfig, TargetSessionAttrs } from './types';
import { checkUnsupported } from './unsupported';
import { oneOf, parseIntParam } from './values';

const TARGET_SESSION_ATTRS: readonly TargetSessionAttrs[] = [
  'any',
  'read-write',
  'read-only',
  'primary',
  'standby',
  'prefer-standby',
];

/**
 * Applies libpq's defaults and checks, in libpq's order: hosts and ports,
 * user (default: the OS user), dbname (default: the user), password file,
 * require_auth, channel_binding, the SSL keywords, the unsupported ones,
 * target_session_attrs, load_balance_hosts, then the socket options. An empty
 * host, port, user, dbname, password or passfile counts as not given.
 *
 * @example
 * const os = { homedir: '/home/ann', username: 'ann' };
 * resolveConfig(new Map([['host', 'db1']]), {}, os, '/home/ann');
 * // { hosts: [{ host: 'db1', port: 5432 }], user: 'ann', dbname: 'ann', sslmode: 'prefer', ... }
 */
export function resolveConfig(
  settings: Settings,
  env: NodeJS.ProcessEnv,
  account: LocalAccount,
  home: string,
): ConnectConfig {
  const hosts = resolveHosts(settings.get('host'), settings.get('hostaddr'), settings.get('port'));
  const user = text(settings, 'user') ?? account.username;
  if (user === '') {
    throw invalidConfig('could not determine the local user name', 'set user or PGUSER');
  }
  const dbname = text(settings, 'dbname') ?? user;
  const password = text(settings, 'password');
  const passfile =
    password !== undefined
      ? undefined
      : (text(settings, 'passfile') ?? underHome(home, PGPASS_FILE));
  const requireAuth = parseRequireAuth(settings.get('require_auth') ?? '');
  // channel_binding=require with sslmode=disable, or over a Unix socket, is
  // accepted here: libpq too fails it only when authentication begins.
  const channelBinding = oneOf('channel_binding', settings.get('channel_binding') ?? 'prefer', [
    'disable',
    'prefer',
    'require',
  ] as const);
  const ssl = resolveSsl(settings, home);
  checkUnsupported(settings);
  const targetSessionAttrs = oneOf(
    'target_session_attrs',
    settings.get('target_session_attrs') ?? 'any',
    TARGET_SESSION_ATTRS,
  );
  const loadBalanceHosts = oneOf(
    'load_balance_hosts',
    settings.get('load_balance_hosts') ?? 'disable',
    ['disable', 'random'] as const,
  );
  const serverSettings = environmentServerSettings(env);

  return {
    hosts,
    user,
    password,
    passfile,
    dbname,
    ...ssl,
    channelBinding,
    requireAuth,
    connectTimeout: seconds(settings, 'connect_timeout'),
    applicationName: text(settings, 'application_name'),
    fallbackApplicationName: text(settings, 'fallback_application_name'),
    options: text(settings, 'options'),
    targetSessionAttrs,
    loadBalanceHosts,
    keepalives: settings.has('keepalives') ? integer(settings, 'keepalives') !== 0 : true,
    keepalivesIdle: seconds(settings, 'keepalives_idle'),
    keepalivesInterval: seconds(settings, 'keepalives_interval'),
    keepalivesCount: seconds(settings, 'keepalives_count'),
    tcpUserTimeout: seconds(settings, 'tcp_user_timeout'),
    serverSettings: Object.keys(serverSettings).length > 0 ? serverSettings : undefined,
  };
}

/** A text setting, or undefined when absent or empty. */
function text(settings: Settings, keyword: Keyword): string | undefined {
  const value = settings.get(keyword);
  return value === undefined || value === '' ? undefined : value;
}

function integer(settings: Settings, keyword: Keyword): number {
  return parseIntParam(settings.get(keyword) ?? '', keyword);
}

/**
 * A count of seconds (or milliseconds, or probes); libpq reads a negative
 * value as 0, which leaves the system default or, for connect_timeout, no
 * limit.
 */
function seconds(settings: Settings, keyword: Keyword): number | undefined {
  return settings.has(keyword) ? Math.max(0, integer(settings, keyword)) : undefined;
}
