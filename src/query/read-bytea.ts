import { getTypeParser } from 'pg-types';
import { ErrorCode, RxpgError } from '../errors';
import { TypeOid } from './type-oids';

const BACKSLASH = 0x5c; // '\'
const LOWER_X = 0x78; // 'x'
/** Hex digits decoded per step: bounds the temporary string whatever the value's size. */
const HEX_STEP = 16 * 1024 * 1024;

/** pg-types' bytea parser, for the escape format (bytea_output = escape). */
const parseEscaped = getTypeParser(TypeOid.bytea) as (text: string) => Buffer;

/**
 * Reads a bytea value from its text in `b[start, end)` into a Buffer. The hex
 * format (`\x0a1b...`, the default) is decoded from the bytes in steps, never as
 * one string: a bytea over 256 MB has more hex digits than a JavaScript string
 * may hold, yet fits a Buffer. The escape format goes through pg-types.
 *
 * @example
 * readBytea(Buffer.from('\\x00ff'), 0, 6); // <Buffer 00 ff>
 */
export function readBytea(b: Buffer, start: number, end: number): Buffer {
  if (end - start < 2 || b[start] !== BACKSLASH || b[start + 1] !== LOWER_X) {
    return parseEscaped(b.toString('utf8', start, end));
  }
  const digits = end - start - 2;
  if (digits % 2 !== 0) throw malformed();
  const out = Buffer.allocUnsafe(digits / 2);
  for (let from = start + 2, to = 0; from < end; from += HEX_STEP) {
    const step = Math.min(HEX_STEP, end - from);
    // A non-hex digit stops Buffer's decoder early: the count written shows it.
    if (out.write(b.toString('latin1', from, from + step), to, 'hex') !== step / 2) {
      throw malformed();
    }
    to += step / 2;
  }
  return out;
}

function malformed(): RxpgError {
  return new RxpgError(ErrorCode.DecodeFailed, 'malformed bytea value: bad hex digits');
}
