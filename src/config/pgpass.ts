/**
 * The password file (`~/.pgpass`): lines of `host:port:dbname:user:password`.
 */
import * as fs from 'node:fs';
import { DEFAULT_PORT, DEFAULT_SOCKET_DIR } from './defaults';
import type { ConnectConfig, HostTarget } from './types';

/** Permission bits for group and others; a file with any of them set is ignored. */
const GROUP_OR_WORLD_ACCESS = 0o077;

/**
 * The password that the password file holds for one connection target, as
 * libpq looks it up: the first line whose four fields match wins; `*` matches
 * anything; `\` escapes `:` and `\` in fields and in the password; lines
 * starting with `#` are comments. The host name `localhost` also matches a
 * connection over the default Unix socket folder, and an empty host.
 *
 * Returns undefined when no line matches, when the matching line's password
 * is empty, when dbname or user is empty, or when the file is missing, is not
 * a plain file, or (except on Windows) can be read or written by group or
 * others. The last two cases are reported to `onWarning` when given.
 *
 * @example
 * // ~/.pgpass (mode 0600):  db1:*:app:ann:s\:cret
 * lookupPassword('/home/ann/.pgpass', 'db1', 5432, 'app', 'ann'); // 's:cret'
 */
export function lookupPassword(
  passfile: string,
  host: string,
  port: string | number,
  dbname: string,
  user: string,
  onWarning?: (message: string) => void,
): string | undefined {
  if (dbname === '' || user === '') return undefined;
  const text = readPrivateFile(passfile, onWarning);
  if (text === undefined) return undefined;
  const portText = String(port) === '' ? String(DEFAULT_PORT) : String(port);
  const wanted = [pgpassHost(host), portText, dbname, user];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const entry = line.replace(/[\r\n]+$/, '');
    if (entry === '') continue;
    const password = matchEntry(entry, wanted);
    if (password !== undefined) return password === '' ? undefined : password;
  }
  return undefined;
}

/**
 * {@link lookupPassword} for one host of a parsed configuration: the host
 * name, or the hostaddr when no name was given, is the key.
 *
 * @example
 * const config = parseConfig('host=db1 dbname=app');
 * const password = config.password ?? lookupPasswordFor(config, config.hosts[0]);
 */
export function lookupPasswordFor(
  config: ConnectConfig,
  target: HostTarget,
  onWarning?: (message: string) => void,
): string | undefined {
  if (config.passfile === undefined) return undefined;
  const host = target.host !== '' ? target.host : (target.hostaddr ?? '');
  return lookupPassword(config.passfile, host, target.port, config.dbname, config.user, onWarning);
}

/**
 * The host as written in the file: the default socket folder and no host at all are `localhost`.
 */
function pgpassHost(host: string): string {
  return host === '' || host === DEFAULT_SOCKET_DIR ? 'localhost' : host;
}

function readPrivateFile(
  file: string,
  onWarning: ((message: string) => void) | undefined,
): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  if (!stat.isFile()) {
    onWarning?.(`password file "${file}" is not a plain file`);
    return undefined;
  }
  if (process.platform !== 'win32' && (stat.mode & GROUP_OR_WORLD_ACCESS) !== 0) {
    onWarning?.(
      `password file "${file}" has group or world access; permissions should be u=rw (0600) or less`,
    );
    return undefined;
  }
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The password of a line whose four fields match `wanted`, or undefined. */
function matchEntry(line: string, wanted: readonly string[]): string | undefined {
  let rest = line;
  for (const value of wanted) {
    const after = matchField(rest, value);
    if (after === undefined) return undefined;
    rest = after;
  }
  return unescapePassword(rest);
}

/**
 * Matches the field at the start of `line` against `value`; returns the line
 * after the field's `:`, or undefined. A field of just `*` matches anything.
 */
function matchField(line: string, value: string): string | undefined {
  if (line.startsWith('*:')) return line.slice(2);
  let i = 0;
  let j = 0;
  while (i < line.length) {
    let escaped = false;
    if (line[i] === '\\') {
      i++;
      escaped = true;
    }
    if (!escaped && line[i] === ':' && j === value.length) return line.slice(i + 1);
    if (j === value.length || line[i] !== value[j]) return undefined;
    i++;
    j++;
  }
  return undefined;
}

/** The password field: up to the first unescaped `:`, backslashes removed. */
function unescapePassword(field: string): string {
  let password = '';
  for (let i = 0; i < field.length && field[i] !== ':'; i++) {
    if (field[i] === '\\' && i + 1 < field.length) i++;
    password += field[i];
  }
  return password;
}
