import { parseTimestamp, parseTimestamptz, type DateValue } from './type-dates';

const DIGIT_0 = 0x30;
const DASH = 0x2d; // '-'
const PLUS = 0x2b; // '+'
const SPACE = 0x20;
const COLON = 0x3a; // ':'
const DOT = 0x2e; // '.'
/** `YYYY-MM-DD HH:MM:SS`: the shortest canonical timestamp. */
const DATE_TIME_LENGTH = 19;
/** Date.UTC reads years 0-99 as 1900-1999: those go to the string parser. */
const FIRST_SAFE_YEAR = 100;

/** The two ASCII digits at `at`, or NaN. */
function two(b: Buffer, at: number): number {
  const tens = b[at] - DIGIT_0;
  const ones = b[at + 1] - DIGIT_0;
  return tens >>> 0 > 9 || ones >>> 0 > 9 ? NaN : tens * 10 + ones;
}

/**
 * Milliseconds of `YYYY-MM-DD HH:MM:SS[.ffffff][±HH[:MM[:SS]]]` read from the
 * bytes, or NaN for any other shape (BC, wide years, infinity), which the
 * string parsers then handle. Sparing the string is the point: timestamps are
 * the costliest common value to decode.
 */
function canonicalMillis(b: Buffer, start: number, end: number, zoned: boolean): number {
  if (
    end - start < DATE_TIME_LENGTH ||
    b[start + 4] !== DASH ||
    b[start + 7] !== DASH ||
    b[start + 10] !== SPACE ||
    b[start + 13] !== COLON ||
    b[start + 16] !== COLON
  ) {
    return NaN;
  }
  const year = two(b, start) * 100 + two(b, start + 2);
  if (!(year >= FIRST_SAFE_YEAR)) return NaN;
  let at = start + DATE_TIME_LENGTH;
  let ms = 0;
  if (at < end && b[at] === DOT) {
    const first = ++at;
    for (; at < end; at++) {
      const digit = b[at] - DIGIT_0;
      if (digit >>> 0 > 9) break;
      if (at - first < 3) ms = ms * 10 + digit;
    }
    const digits = at - first;
    if (digits === 0) return NaN;
    if (digits === 1) ms *= 100;
    else if (digits === 2) ms *= 10;
  }
  let offset = 0;
  if (zoned) {
    const sign = b[at];
    if (sign !== PLUS && sign !== DASH) return NaN;
    offset = two(b, at + 1) * 3600;
    at += 3;
    if (at < end && b[at] === COLON) {
      offset += two(b, at + 1) * 60;
      at += 3;
      if (at < end && b[at] === COLON) {
        offset += two(b, at + 1);
        at += 3;
      }
    }
    if (sign === DASH) offset = -offset;
  }
  if (at !== end) return NaN;
  const utc = Date.UTC(
    year,
    two(b, start + 5) - 1,
    two(b, start + 8),
    two(b, start + 11),
    two(b, start + 14),
    two(b, start + 17),
    ms,
  );
  return utc - offset * 1000;
}

/** `timestamptz` from its bytes; other shapes through {@link parseTimestamptz}. */
export function readTimestamptz(b: Buffer, start: number, end: number): DateValue {
  const ms = canonicalMillis(b, start, end, true);
  return ms === ms ? new Date(ms) : parseTimestamptz(b.toString('utf8', start, end));
}

/** `timestamp` (read as UTC) from its bytes; other shapes through {@link parseTimestamp}. */
export function readTimestamp(b: Buffer, start: number, end: number): DateValue {
  const ms = canonicalMillis(b, start, end, false);
  return ms === ms ? new Date(ms) : parseTimestamp(b.toString('utf8', start, end));
}
