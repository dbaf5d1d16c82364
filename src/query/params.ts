import { ErrorCode, RxpgError } from '../errors';

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
  | readonly ParameterValue[]
  | { readonly [key: string]: unknown };

/** Bind can carry at most this many parameters (an Int16 count). */
export const MAX_PARAMETERS = 65535;

/**
 * Encodes one parameter for Bind: `null` for SQL NULL, a Buffer (sent in binary,
 * which is exactly bytea's binary form), or text.
 *
 * - booleans as `true`/`false`, numbers and bigints in decimal (NaN, Infinity as PostgreSQL spells them);
 * - Dates as local time with the offset (as node-postgres), so that `timestamp` and
 *   `timestamptz` both round-trip through the parsers;
 * - arrays as array literals, nested, with NULLs and quoting;
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
      return value;
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
      return encodeJson(value, index);
    default:
      throw badParameter(index, `a ${typeof value} cannot be sent to PostgreSQL`);
  }
}

function encodeNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return String(value);
}

function encodeJson(value: unknown, index: number): string {
  try {
    return JSON.stringify(value);
  } catch (cause) {
    throw badParameter(index, `could not be turned into JSON: ${(cause as Error).message}`);
  }
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** A Date as local time with its UTC offset, e.g. `2024-01-31T10:00:00.000+01:00`. */
export function encodeDate(date: Date, index = 0): string {
  if (Number.isNaN(date.getTime())) throw badParameter(index, 'is an invalid Date');
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  let year = date.getFullYear();
  // Year 0 is 1 BC in PostgreSQL, which has no year zero.
  const bc = year <= 0;
  if (bc) year = 1 - year;
  return (
    `${pad(year, 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `.${pad(date.getMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}` +
    (bc ? ' BC' : '')
  );
}

/** An array literal: `{1,NULL,"a \"b\""}`, nested arrays as nested braces. */
function encodeArray(values: readonly unknown[], index: number): string {
  const parts = values.map((element) => {
    if (element === null || element === undefined) return 'NULL';
    if (Array.isArray(element)) return encodeArray(element, index);
    const text = Buffer.isBuffer(element)
      ? `\\x${element.toString('hex')}`
      : encodeScalar(element, index);
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${parts.join(',')}}`;
}

function badParameter(index: number, message: string): RxpgError {
  return new RxpgError(ErrorCode.InvalidParameter, `parameter $${index + 1} ${message}`);
}
