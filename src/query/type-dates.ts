import { getTypeParser } from 'pg-types';
import { ErrorCode, RxpgError } from '../errors';

/**
 * Dates and timestamps from PostgreSQL's text output with DateStyle ISO.
 *
 * They are the costliest values to decode, so the canonical shapes (four-digit year,
 * AD) are read here by character position, about 2.5 times faster than a general
 * parser; anything else (BC, years past 9999, infinity) goes to pg-types' parsers.
 * `timestamp` and `date` carry no zone: they become the Date whose UTC fields are the
 * written ones, so no value shifts or disappears at a daylight-saving change of the
 * machine's zone. Fractions of a millisecond are truncated (Date has no more).
 * `infinity` and `-infinity` become the numbers Infinity and -Infinity, as in node-postgres.
 *
 * @internal
 */

const CHAR_0 = 0x30;
const CHAR_DASH = 0x2d; // '-'
const CHAR_SPACE = 0x20;
const CHAR_COLON = 0x3a; // ':'
const CHAR_DOT = 0x2e; // '.'
const CHAR_PLUS = 0x2b; // '+'

const MS_PER_SECOND = 1000;
const SECONDS_PER_DAY = 86_400;
const DAYS_PER_400_YEARS = 146_097;
/** Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar. */
const EPOCH_DAY_OFFSET = 719_468;
/** Length of `YYYY-MM-DD` and of `YYYY-MM-DD HH:MM:SS`. */
const DATE_LENGTH = 10;
const DATE_TIME_LENGTH = 19;

/** A date/time value: a Date, or ±Infinity for PostgreSQL's infinity. */
export type DateValue = Date | number;

// pg-types reads `timestamp` (and, with no time part, `date`) as UTC, and BC dates.
const generalTimestamp = getTypeParser(1114);
const generalTimestamptz = getTypeParser(1184);

/** Decodes `timestamptz`: `2024-05-06 07:08:09.123456+05:30`. */
export function parseTimestamptz(text: string): DateValue {
  const ms = canonicalTimestamp(text, true);
  return ms === ms ? new Date(ms) : general(text, generalTimestamptz, 'timestamptz');
}

/** Decodes `timestamp` (without time zone) as UTC: `2024-05-06 07:08:09.123456`. */
export function parseTimestamp(text: string): DateValue {
  const ms = canonicalTimestamp(text, false);
  return ms === ms ? new Date(ms) : general(text, generalTimestamp, 'timestamp');
}

/** Decodes `date` as UTC midnight: `2024-05-06`. */
export function parseDate(text: string): DateValue {
  const ms = text.length === DATE_LENGTH ? canonicalDate(text) : NaN;
  return ms === ms ? new Date(ms) : general(text, generalTimestamp, 'date');
}

/** Milliseconds since the epoch of `YYYY-MM-DD`, or NaN when it has another shape. */
function canonicalDate(text: string): number {
  if (text.charCodeAt(4) !== CHAR_DASH || text.charCodeAt(7) !== CHAR_DASH) {
    return NaN;
  }
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  const days = daysSinceEpoch(year, twoDigits(text, 5), twoDigits(text, 8));
  return days * SECONDS_PER_DAY * MS_PER_SECOND;
}

/**
 * Milliseconds since the epoch of `YYYY-MM-DD HH:MM:SS[.ffffff]`, followed by a
 * `±HH[:MM[:SS]]` offset when `zoned`, or NaN when the text has another shape.
 * A non-digit anywhere turns into NaN through the arithmetic.
 */
function canonicalTimestamp(text: string, zoned: boolean): number {
  const length = text.length;
  if (
    length < DATE_TIME_LENGTH ||
    text.charCodeAt(DATE_LENGTH) !== CHAR_SPACE ||
    text.charCodeAt(13) !== CHAR_COLON ||
    text.charCodeAt(16) !== CHAR_COLON
  ) {
    return NaN;
  }
  const date = canonicalDate(text);
  const time = twoDigits(text, 11) * 3600 + twoDigits(text, 14) * 60 + twoDigits(text, 17);
  let at = DATE_TIME_LENGTH;
  let ms = 0;
  if (text.charCodeAt(at) === CHAR_DOT) {
    // Up to six digits; the first three are milliseconds, the rest is truncated.
    const first = ++at;
    for (; at < length; at++) {
      const digit = text.charCodeAt(at) - CHAR_0;
      if (digit >>> 0 > 9) {
        break;
      }
      if (at - first < 3) {
        ms = ms * 10 + digit;
      }
    }
    const digits = at - first;
    if (digits === 0) {
      return NaN;
    }
    ms *= digits === 1 ? 100 : digits === 2 ? 10 : 1;
  }
  let offset = 0;
  if (zoned) {
    const sign = text.charCodeAt(at);
    if (sign !== CHAR_PLUS && sign !== CHAR_DASH) {
      return NaN;
    }
    offset = twoDigits(text, at + 1) * 3600;
    at += 3;
    if (at < length && text.charCodeAt(at) === CHAR_COLON) {
      offset += twoDigits(text, at + 1) * 60;
      at += 3;
      if (at < length && text.charCodeAt(at) === CHAR_COLON) {
        offset += twoDigits(text, at + 1);
        at += 3;
      }
    }
    if (sign === CHAR_DASH) {
      offset = -offset;
    }
  }
  // Anything left over (' BC', a malformed tail) is for the general parser.
  if (at !== length) {
    return NaN;
  }
  return date + (time - offset) * MS_PER_SECOND + ms;
}

/** The two digits at `at` as a number; NaN when either is not a digit. */
function twoDigits(text: string, at: number): number {
  const tens = text.charCodeAt(at) - CHAR_0;
  const ones = text.charCodeAt(at + 1) - CHAR_0;
  // `>>> 0` makes a negative difference huge, so one comparison rejects both sides;
  // past the end charCodeAt gives NaN, which the sum carries into the result.
  return tens >>> 0 > 9 || ones >>> 0 > 9 ? NaN : tens * 10 + ones;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (month 1-12), by counting years
 * from March so that the leap day falls at the end of each year.
 */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const marchYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(marchYear / 400);
  const yearOfEra = marchYear - era * 400;
  const monthFromMarch = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * DAYS_PER_400_YEARS + dayOfEra - EPOCH_DAY_OFFSET;
}

/** The slow path: infinity, BC, long years; fails loudly rather than yield Invalid Date. */
function general(text: string, parse: (text: string) => unknown, type: string): DateValue {
  if (text === 'infinity') {
    return Infinity;
  }
  if (text === '-infinity') {
    return -Infinity;
  }
  const value = parse(text);
  if (value instanceof Date && value.getTime() === value.getTime()) {
    return value;
  }
  throw new RxpgError(
    ErrorCode.DecodeFailed,
    `cannot decode ${JSON.stringify(text.slice(0, 64))} as a ${type}: out of the range of Date`,
    { hint: `Dates end at year 275760; read such a ${type} as text with a type parser override` },
  );
}
