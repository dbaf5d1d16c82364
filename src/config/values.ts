/**
 * Reading single values the way libpq reads them.
 * @internal
 */
import { invalidConfig } from './fail';

/** C's isspace(), which strtol() and libpq's integer parsing skip. */
const SPACES = ' \t\n\r\v\f';
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * An integer as libpq's integer options take it: optional spaces, an optional
 * sign, decimal digits, optional spaces, and within 32 bits.
 */
export function parseIntParam(value: string, keyword: string): number {
  let start = 0;
  let end = value.length;
  while (start < end && SPACES.includes(value[start])) start++;
  while (end > start && SPACES.includes(value[end - 1])) end--;
  const text = value.slice(start, end);
  const n = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < INT32_MIN || n > INT32_MAX) {
    throw invalidConfig(`invalid integer value "${value}" for connection option "${keyword}"`);
  }
  return n;
}

/** `value` when it is one of `allowed`, else libpq's `invalid <keyword> value` error. */
export function oneOf<T extends string>(keyword: string, value: string, allowed: readonly T[]): T {
  const match = allowed.find((a) => a === value);
  if (match === undefined) {
    throw invalidConfig(
      `invalid ${keyword} value: "${value}"`,
      `use one of: ${allowed.join(', ')}`,
    );
  }
  return match;
}

/**
 * An on/off switch that libpq reads as "starts with 1" (sslsni,
 * sslcompression, gssdelegation). rxpg accepts only `1`, `0` and the empty
 * string (off), so that `true` or `on`, which libpq would quietly read as
 * off, are caught.
 */
export function parseSwitch(keyword: string, value: string): boolean {
  if (value === '1') return true;
  if (value === '0' || value === '') return false;
  throw invalidConfig(`invalid ${keyword} value: "${value}"`, 'use 1 or 0');
}
