/**
 * libpq's `keyword=value` connection strings.
 */
import { invalidConfig } from './fail';
import { Settings, storeStringSetting } from './keywords';

/** The characters C's isspace() accepts, which libpq skips between settings. */
function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
}

const SECRET_KEYWORDS = new Set(['password', 'sslpassword']);

/**
 * Parses a `keyword=value` connection string the way libpq does: spaces
 * around `=` are allowed, a value is either a bare word or single-quoted, and
 * a backslash escapes the next character in both. A keyword given twice
 * keeps its last value. Unknown keywords are errors that name them.
 *
 * @example
 * parseKeyValue("host=db1 port = 5433 password='it\\'s'");
 * // Map { 'host' => 'db1', 'port' => '5433', 'password' => "it's" }
 */
export function parseKeyValue(conninfo: string): Settings {
  const settings: Settings = new Map();
  let previous = '';
  let i = 0;
  while (i < conninfo.length) {
    if (isSpace(conninfo[i])) {
      i++;
      continue;
    }
    const nameStart = i;
    while (i < conninfo.length && conninfo[i] !== '=' && !isSpace(conninfo[i])) i++;
    const name = conninfo.slice(nameStart, i);
    while (isSpace(conninfo[i])) i++;
    if (conninfo[i] !== '=') throw missingEquals(name, previous);
    i++;
    while (isSpace(conninfo[i])) i++;
    const [value, end] = conninfo[i] === "'" ? readQuoted(conninfo, i + 1) : readBare(conninfo, i);
    i = end;
    storeStringSetting(settings, name, value, (n) => `invalid connection option "${n}"`);
    previous = name;
  }
  return settings;
}

/** A bare value: up to the next space; a backslash keeps the character after it. */
function readBare(s: string, start: number): [string, number] {
  let value = '';
  let i = start;
  while (i < s.length && !isSpace(s[i])) {
    if (s[i] === '\\') i++;
    if (i < s.length) value += s[i];
    i++;
  }
  return [value, i];
}

/** A quoted value after its opening quote: up to the closing quote, with backslash escapes. */
function readQuoted(s: string, start: number): [string, number] {
  let value = '';
  let i = start;
  for (;;) {
    if (i >= s.length) {
      throw invalidConfig('unterminated quoted string in connection info string');
    }
    if (s[i] === '\\') {
      i++;
      if (i < s.length) value += s[i++];
      continue;
    }
    if (s[i] === "'") return [value, i + 1];
    value += s[i++];
  }
}

/**
 * libpq's message names the word that lacks its `=`. After a password that
 * word is most likely the rest of a password with a space in it, so it is not
 * shown.
 */
function missingEquals(name: string, previous: string): Error {
  if (SECRET_KEYWORDS.has(previous)) {
    return invalidConfig(
      `missing "=" after the word that follows ${previous} in connection info string`,
      "quote a value that contains spaces: password='two words'",
    );
  }
  return invalidConfig(`missing "=" after "${name}" in connection info string`);
}
