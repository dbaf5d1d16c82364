/**
 * libpq's connection URIs:
 * `postgresql://[user[:password]@][host][:port][,...][/dbname][?keyword=value&...]`.
 */
import { invalidConfig } from './fail';
import { isKeyword, keywordSpec, Settings, storeStringSetting } from './keywords';
import { uriDecode } from './uri-decode';

const PREFIXES = ['postgresql://', 'postgres://'] as const;

/** What an error message shows in place of a password. */
const MASK = '****';

/**
 * True when `conninfo` starts with `postgresql://` or `postgres://` (case matters, as in libpq).
 */
export function isUri(conninfo: string): boolean {
  return PREFIXES.some((p) => conninfo.startsWith(p));
}

/**
 * Parses a connection URI. Every part may be percent-encoded; several hosts
 * are separated by commas, each with its own optional port; an IPv6 address
 * is written in brackets; a Unix socket folder is given as an encoded host
 * (`%2Fvar%2Frun%2Fpostgresql`) or as `?host=/var/run/postgresql`. Query
 * parameters are keywords; a later one replaces an earlier setting. Errors
 * use libpq's wording, with any password in the URI masked.
 *
 * @example
 * parseUri('postgresql://ann:s%40fe@h1:5432,[::1]:5433/app?sslmode=require');
 * // Map { user: 'ann', password: 's@fe', host: 'h1,::1', port: '5432,5433',
 * //       dbname: 'app', sslmode: 'require' }
 */
export function parseUri(uri: string): Settings {
  const prefix = PREFIXES.find((p) => uri.startsWith(p));
  if (prefix === undefined) throw invalidConfig(`invalid URI: "${uri}"`);
  const settings: Settings = new Map();
  let p = prefix.length;

  const credentialsEnd = findFirst(uri, p, '@/');
  let shown = uri;
  let shift = 0;
  if (uri[credentialsEnd] === '@') {
    const colon = uri.indexOf(':', p);
    const userEnd = colon !== -1 && colon < credentialsEnd ? colon : credentialsEnd;
    const user = uri.slice(p, userEnd);
    if (user !== '') settings.set('user', uriDecode(user));
    if (userEnd < credentialsEnd) {
      const password = uri.slice(userEnd + 1, credentialsEnd);
      shown = uri.slice(0, userEnd + 1) + MASK + uri.slice(credentialsEnd);
      shift = password.length - MASK.length;
      if (password !== '') settings.set('password', uriDecode(password, 'the password'));
    }
    p = credentialsEnd + 1;
  }
  const where = { shown: `"${shown}"`, shift };

  const netloc = parseNetloc(uri, p, where);
  if (netloc.hosts !== '') settings.set('host', uriDecode(netloc.hosts));
  if (netloc.ports !== '') settings.set('port', uriDecode(netloc.ports));
  p = netloc.end;

  if (uri[p] === '/') {
    const end = findFirst(uri, p + 1, '?');
    // An empty path sets nothing, so PGDATABASE still applies.
    const dbname = uri.slice(p + 1, end);
    if (dbname !== '') settings.set('dbname', uriDecode(dbname));
    p = end;
  }
  if (uri[p] === '?') parseQuery(uri.slice(p + 1), settings);
  return settings;
}

/** How the URI appears in messages, and how far masking moved positions. */
interface Shown {
  readonly shown: string;
  readonly shift: number;
}

/** Index of the first of `chars` at or after `from`, or the string's length. */
function findFirst(s: string, from: number, chars: string): number {
  let i = from;
  while (i < s.length && !chars.includes(s[i])) i++;
  return i;
}

/**
 * The `host[:port],...` part, joined as libpq joins it: the hosts with commas,
 * the ports with commas too, a missing port left empty so that each host keeps
 * its place.
 */
function parseNetloc(
  uri: string,
  start: number,
  where: Shown,
): { hosts: string; ports: string; end: number } {
  const hosts: string[] = [];
  const ports: string[] = [];
  let p = start;
  for (;;) {
    let host: string;
    if (uri[p] === '[') {
      const close = uri.indexOf(']', p + 1);
      if (close === -1) {
        throw invalidConfig(
          `end of string reached when looking for matching "]" in IPv6 host address in URI: ${where.shown}`,
        );
      }
      if (close === p + 1) {
        throw invalidConfig(`IPv6 host address may not be empty in URI: ${where.shown}`);
      }
      host = uri.slice(p + 1, close);
      p = close + 1;
      if (p < uri.length && !':/?,'.includes(uri[p])) {
        const position = p + 1 - where.shift;
        throw invalidConfig(
          `unexpected character "${uri[p]}" at position ${position} in URI (expected ":" or "/"): ${where.shown}`,
        );
      }
    } else {
      const end = findFirst(uri, p, ':/?,');
      host = uri.slice(p, end);
      p = end;
    }
    hosts.push(host);
    let port = '';
    if (uri[p] === ':') {
      const end = findFirst(uri, p + 1, '/?,');
      port = uri.slice(p + 1, end);
      p = end;
    }
    ports.push(port);
    if (uri[p] !== ',') break;
    p++;
  }
  return { hosts: hosts.join(','), ports: ports.join(','), end: p };
}

/** The query: `keyword=value` pairs separated by `&`, each part percent-decoded. */
function parseQuery(query: string, settings: Settings): void {
  const pairs = query.split('&');
  // One `&` at the very end is harmless to libpq; an empty pair anywhere else is not.
  if (pairs[pairs.length - 1] === '') pairs.pop();
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals === -1) {
      throw invalidConfig(`missing key/value separator "=" in URI query parameter: "${pair}"`);
    }
    const rawName = pair.slice(0, equals);
    const rawValue = pair.slice(equals + 1);
    if (rawValue.includes('=')) {
      throw invalidConfig(`extra key/value separator "=" in URI query parameter: "${rawName}"`);
    }
    const name = uriDecode(rawName);
    const secret = isKeyword(name) && keywordSpec(name).secret === true;
    const value = uriDecode(rawValue, secret ? `the value of ${name}` : undefined);
    // JDBC's ssl=true, which libpq accepts as sslmode=require.
    if (name === 'ssl' && value === 'true') {
      settings.set('sslmode', 'require');
      continue;
    }
    storeStringSetting(settings, name, value, (n) => `invalid URI query parameter: "${n}"`);
  }
}
