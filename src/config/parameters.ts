/**
 * Connection parameters given as an object with libpq's keyword names.
 */
import { invalidConfig } from './fail';
import { Keyword, requireKeyword, Settings } from './keywords';

/** A value in an options object: numbers and booleans are written as libpq expects them. */
export type ParameterValue = string | number | boolean;

/** Keywords whose value is a number. */
type NumericKeyword =
  | 'port'
  | 'connect_timeout'
  | 'keepalives_idle'
  | 'keepalives_interval'
  | 'keepalives_count'
  | 'tcp_user_timeout';

/** Keywords whose value is an on/off switch (`1`/`0` in a string). */
type SwitchKeyword = 'keepalives' | 'sslsni' | 'sslcompression' | 'gssdelegation' | 'replication';

/**
 * Connection parameters with libpq's own keyword names, e.g.
 * `{ host: 'db1,db2', port: 5432, dbname: 'app', sslmode: 'verify-full' }`.
 * A number stands for its decimal form and a boolean for `1` or `0`; an
 * undefined, null or empty value counts as not given, as in libpq's
 * PQconnectdbParams.
 */
export type ConnectionParameters = {
  readonly [K in Keyword]?:
    | (K extends NumericKeyword
        ? string | number
        : K extends SwitchKeyword
          ? string | number | boolean
          : string)
    | null
    | undefined;
};

/**
 * The settings an options object gives. Unknown keys are errors that name
 * them, with a hint for near misses such as `sslMode` or `database`.
 *
 * @example
 * fromParameters({ host: 'db1', port: 5433, keepalives: false });
 * // Map { 'host' => 'db1', 'port' => '5433', 'keepalives' => '0' }
 */
export function fromParameters(parameters: ConnectionParameters): Settings {
  const settings: Settings = new Map();
  for (const [name, value] of Object.entries(parameters) as [string, unknown][]) {
    const keyword = requireKeyword(name, (n) => `invalid connection option "${n}"`);
    const text = asText(keyword, value);
    if (text !== undefined && text !== '') settings.set(keyword, text);
  }
  return settings;
}

function asText(keyword: Keyword, value: unknown): string | undefined {
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'string':
      return value;
    case 'boolean':
      return value ? '1' : '0';
    case 'number':
      if (Number.isFinite(value)) return String(value);
      break;
    case 'object':
      if (value === null) return undefined;
      break;
  }
  throw invalidConfig(
    `invalid value for connection option "${keyword}": expected a string, number or boolean`,
  );
}
