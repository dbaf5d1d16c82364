/**
 * The connection keywords of libpq 18: each name, the environment variable
 * that fills it, and libpq's compiled-in default. Values are validated where
 * they are resolved (see resolve.ts); this table only says what exists.
 */
import { invalidConfig } from './fail';
import { suggestKeyword } from './suggest';

/** One libpq connection keyword. */
export interface KeywordSpec {
  /** The keyword, spelt as libpq spells it. */
  readonly name: string;
  /** The PG* variable that fills it when neither the input nor a service gives it. */
  readonly envVar?: string;
  /** libpq's compiled-in default, for documentation; resolve.ts applies defaults. */
  readonly compiledDefault?: string;
  /** True for values that must never appear in an error message. */
  readonly secret?: boolean;
}

/** Every keyword of libpq 18, in libpq's order. */
export const KEYWORDS = [
  { name: 'service', envVar: 'PGSERVICE' },
  { name: 'servicefile', envVar: 'PGSERVICEFILE' },
  { name: 'user', envVar: 'PGUSER' },
  { name: 'password', envVar: 'PGPASSWORD', secret: true },
  { name: 'passfile', envVar: 'PGPASSFILE' },
  { name: 'channel_binding', envVar: 'PGCHANNELBINDING', compiledDefault: 'prefer' },
  { name: 'connect_timeout', envVar: 'PGCONNECT_TIMEOUT' },
  { name: 'dbname', envVar: 'PGDATABASE' },
  { name: 'host', envVar: 'PGHOST' },
  { name: 'hostaddr', envVar: 'PGHOSTADDR' },
  { name: 'port', envVar: 'PGPORT', compiledDefault: '5432' },
  { name: 'client_encoding', envVar: 'PGCLIENTENCODING' },
  { name: 'options', envVar: 'PGOPTIONS', compiledDefault: '' },
  { name: 'application_name', envVar: 'PGAPPNAME' },
  { name: 'fallback_application_name' },
  { name: 'keepalives' },
  { name: 'keepalives_idle' },
  { name: 'keepalives_interval' },
  { name: 'keepalives_count' },
  { name: 'tcp_user_timeout' },
  { name: 'sslmode', envVar: 'PGSSLMODE', compiledDefault: 'prefer' },
  { name: 'sslnegotiation', envVar: 'PGSSLNEGOTIATION', compiledDefault: 'postgres' },
  { name: 'sslcompression', envVar: 'PGSSLCOMPRESSION', compiledDefault: '0' },
  { name: 'sslcert', envVar: 'PGSSLCERT' },
  { name: 'sslkey', envVar: 'PGSSLKEY' },
  { name: 'sslcertmode', envVar: 'PGSSLCERTMODE', compiledDefault: 'allow' },
  { name: 'sslpassword', secret: true },
  { name: 'sslkeylogfile' },
  { name: 'sslrootcert', envVar: 'PGSSLROOTCERT' },
  { name: 'sslcrl', envVar: 'PGSSLCRL' },
  { name: 'sslcrldir', envVar: 'PGSSLCRLDIR' },
  { name: 'sslsni', envVar: 'PGSSLSNI', compiledDefault: '1' },
  { name: 'requirepeer', envVar: 'PGREQUIREPEER' },
  { name: 'require_auth', envVar: 'PGREQUIREAUTH' },
  {
    name: 'ssl_min_protocol_version',
    envVar: 'PGSSLMINPROTOCOLVERSION',
    compiledDefault: 'TLSv1.2',
  },
  { name: 'ssl_max_protocol_version', envVar: 'PGSSLMAXPROTOCOLVERSION' },
  { name: 'min_protocol_version', envVar: 'PGMINPROTOCOLVERSION' },
  { name: 'max_protocol_version', envVar: 'PGMAXPROTOCOLVERSION' },
  // libpq built without GSSAPI, as rxpg is, defaults gssencmode to disable.
  { name: 'gssencmode', envVar: 'PGGSSENCMODE', compiledDefault: 'disable' },
  { name: 'krbsrvname', envVar: 'PGKRBSRVNAME', compiledDefault: 'postgres' },
  { name: 'gsslib', envVar: 'PGGSSLIB' },
  { name: 'gssdelegation', envVar: 'PGGSSDELEGATION', compiledDefault: '0' },
  { name: 'replication' },
  { name: 'target_session_attrs', envVar: 'PGTARGETSESSIONATTRS', compiledDefault: 'any' },
  { name: 'load_balance_hosts', envVar: 'PGLOADBALANCEHOSTS', compiledDefault: 'disable' },
  { name: 'scram_client_key', secret: true },
  { name: 'scram_server_key', secret: true },
  { name: 'oauth_issuer' },
  { name: 'oauth_client_id' },
  { name: 'oauth_client_secret', secret: true },
  { name: 'oauth_scope' },
] as const satisfies readonly KeywordSpec[];

/** A libpq keyword name. */
export type Keyword = (typeof KEYWORDS)[number]['name'];

/** Keyword values as given, before validation: later settings replace earlier ones. */
export type Settings = Map<Keyword, string>;

const BY_NAME: ReadonlyMap<string, KeywordSpec> = new Map(KEYWORDS.map((k) => [k.name, k]));

/**
 * True when `name` is a libpq keyword.
 *
 * @example
 * isKeyword('sslmode'); // true
 * isKeyword('sslMode'); // false
 */
export function isKeyword(name: string): name is Keyword {
  return BY_NAME.has(name);
}

/**
 * The table entry of a keyword.
 *
 * @example
 * keywordSpec('sslmode').envVar; // 'PGSSLMODE'
 */
export function keywordSpec(name: Keyword): KeywordSpec {
  const spec = BY_NAME.get(name);
  if (spec === undefined) throw new Error(`keyword table lacks ${name}`);
  return spec;
}

/**
 * `name` as a keyword, or an InvalidConfig error that names it, with a hint
 * when it looks like a misspelt keyword. `message` builds libpq's wording.
 *
 * @example
 * requireKeyword('sslMode', (n) => `invalid connection option "${n}"`);
 * // throws: invalid connection option "sslMode" (hint: did you mean "sslmode"?)
 */
export function requireKeyword(name: string, message: (name: string) => string): Keyword {
  if (isKeyword(name)) return name;
  const suggestion = suggestKeyword(name, BY_NAME.keys());
  throw invalidConfig(
    message(name),
    suggestion === undefined ? undefined : `did you mean "${suggestion}"?`,
  );
}

/**
 * Stores one `keyword=value` from a connection string, where libpq still
 * accepts the old `requiressl` keyword: a value starting with `1` means
 * sslmode=require, anything else sslmode=prefer.
 *
 * @example
 * storeStringSetting(settings, 'requiressl', '1', message); // settings: sslmode => 'require'
 */
export function storeStringSetting(
  settings: Settings,
  name: string,
  value: string,
  message: (name: string) => string,
): void {
  if (name === 'requiressl') {
    settings.set('sslmode', value.startsWith('1') ? 'require' : 'prefer');
    return;
  }
  settings.set(requireKeyword(name, message), value);
}
