import { ErrorCode, RxpgError } from '../errors';

/**
 * A value that writes its own PostgreSQL text form, as the interval and range
 * objects rxpg decodes do. `prepare` encodes a nested value (a range's bounds)
 * the way a parameter would be.
 *
 * @example
 * const point = { x: 1, y: 2, toPostgres: () => '(1,2)' };
 * conn.executeStatement('select $1::point as p', [point]);
 */
export interface PostgresValue {
  toPostgres(prepare: (value: unknown) => string | null): string;
}

/** What a parameter may be: each maps to PostgreSQL's text form (Buffers go as binary). */
export type ParameterValue =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Date
  | Buffer
  | PostgresValue
  | readonly ParameterValue[]
  | { readonly [key: string]: unknown };

/** Bind can carry at most this many parameters (an Int16 count). */
export const MAX_PARAMETERS = 65535;

/**
 * Encodes one parameter for Bind: `null` for SQL NULL, a Buffer (sent in binary,
 * which is exactly bytea's binary form), or text.
 *
 * - booleans as `true`/`false`, numbers and bigints in decimal (NaN, Infinity as PostgreSQL spells
 *   them);
 * - strings as they are, but never with a NUL character, which no PostgreSQL text holds;
 * - Dates in UTC, so that `timestamp` and `timestamptz` both round-trip;
 * - arrays as array literals, nested, with NULLs and quoting;
 * - objects with a `toPostgres()` method (intervals, ranges) as what it returns;
 * - other objects as JSON.
 */
export function encodeParameter(value: unknown, index: number): string | Buffer | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return encodeArray(value, index);
  return encodeScalar(value, index);
}

function encodeScalar(value: unknown, index: number): string {
  switch (typeof value) {
    case 'string':
      return refuseNul(value, index);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return encodeNumber(value);
    case 'bigint':
      return value.toString();
    case 'object':
      if (value instanceof Date) return encodeDate(value, index);
      if (ArrayBuffer.isView(value))
        return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
      if (isPostgresValue(value)) return encodeOwn(value, index);
      return encodeJson(value, index);
    default:
      throw badParameter(index, `a ${typeof value} cannot be sent to PostgreSQL`);
  }
}

function encodeNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  // String(-0) is '0'; float8 keeps the sign, so send it.
  if (Object.is(value, -0)) return '-0';
  return String(value);
}

function isPostgresValue(value: object | null): value is PostgresValue {
  return value !== null && typeof (value as Partial<PostgresValue>).toPostgres === 'function';
}

function encodeOwn(value: PostgresValue, index: number): string {
  const prepare = (nested: unknown): string | null =>
    nested === null || nested === undefined ? null : encodeScalar(nested, index);
  let text: unknown;
  try {
    text = value.toPostgres(prepare);
  } catch (cause) {
    throw badParameter(index, `toPostgres() failed: ${(cause as Error).message}`);
  }
  if (typeof text !== 'string') throw badParameter(index, 'toPostgres() did not return a string');
  return refuseNul(text, index);
}

/** PostgreSQL's text values end at a NUL; the server would refuse it anyway, after a round trip. */
function refuseNul(text: string, index: number): string {
  if (text.includes('\0')) {
    throw badParameter(index, 'contains a NUL character, which PostgreSQL text cannot hold', {
      hint: 'remove it, or send binary data as a Buffer (bytea)',
    });
  }
  return text;
}

function encodeJson(value: unknown, index: number): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw badParameter(index, `could not be turned into JSON: ${(cause as Error).message}`);
  }
  // JSON.stringify gives undefined for a value with no JSON form (a toJSON returning undefined):
  // sending that as NULL would lose the value silently.
  if (text === undefined) throw badParameter(index, 'has no JSON form');
  return text;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/**
 * A Date in UTC, e.g. `2024-01-31T10:00:00.000+00:00`. rxpg reads `timestamp`
 * values as UTC too, so a Date round-trips through both timestamp types
 * whatever the machine's time zone.
 */
export function encodeDate(date: Date, index = 0): string {
  if (Number.isNaN(date.getTime())) throw badParameter(index, 'is an invalid Date');
  let year = date.getUTCFullYear();
  // Year 0 is 1 BC in PostgreSQL, which has no year zero.
  const bc = year <= 0;
  if (bc) year = 1 - year;
  return (
    `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}` +
    `.${pad(date.getUTCMilliseconds(), 3)}+00:00` +
    (bc ? ' BC' : '')
  );
}

/** An array literal: `{1,NULL,"a \"b\""}`, nested arrays as nested braces. */
/** PostgreSQL arrays have at most 6 dimensions; deeper (or cyclic) input is refused. */
const MAX_ARRAY_DEPTH = 6;

function encodeArray(values: readonly unknown[], index: number, depth = 1): string {
  if (depth > MAX_ARRAY_DEPTH) {
    throw badParameter(index, `nests arrays deeper than ${MAX_ARRAY_DEPTH} (or contains itself)`);
  }
  const parts = values.map((element) => {
    if (element === null || element === undefined) return 'NULL';
    if (Array.isArray(element)) return encodeArray(element, index, depth + 1);
    const text = Buffer.isBuffer(element)
      ? `\\x${element.toString('hex')}`
      : encodeScalar(element, index);
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${parts.join(',')}}`;
}

function badParameter(index: number, message: string, options: { hint?: string } = {}): RxpgError {
  return new RxpgError(ErrorCode.InvalidParameter, `parameter $${index + 1} ${message}`, options);
}
