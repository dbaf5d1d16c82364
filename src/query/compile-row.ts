import { ErrorCode, RxpgError } from '../errors';
import type { RowMode } from './columns';
import type { TextParser } from './types';

/**
 * How a column's text becomes a value: sliced into a string (and given to a
 * parser, if any), or read straight from the bytes for the commonest types,
 * sparing a string per value.
 */
export type ColumnReader = TextParser | ByteReader | 'integer' | 'boolean' | undefined;

/** A reader of a value straight from the bytes `b[start, end)`. */
export interface ByteReader {
  readonly fromBytes: (b: Buffer, start: number, end: number) => unknown;
}

/** Decodes one DataRow body, `buffer[start, end)`, into a row. */
export type CompiledDecoder = (buffer: Buffer, start: number, end: number) => unknown;

/** Buffer's own UTF-8 slicer: `toString('utf8', a, b)` without the argument checks. */
type Utf8Slicer = (this: Buffer, start: number, end: number) => string;
const utf8Slice: Utf8Slicer =
  (Buffer.prototype as unknown as { utf8Slice?: Utf8Slicer }).utf8Slice ??
  function (this: Buffer, start: number, end: number) {
    return this.toString('utf8', start, end);
  };

/** An int2/int4/oid in decimal text, read from its bytes. */
function readInteger(b: Buffer, start: number, end: number): number {
  if (end <= start) throw mismatch();
  const negative = b[start] === 0x2d; // '-'
  if (negative && end === start + 1) throw mismatch();
  let value = 0;
  for (let i = negative ? start + 1 : start; i < end; i++) {
    const digit = b[i] - 0x30;
    if (digit < 0 || digit > 9) throw mismatch();
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

function mismatch(): RxpgError {
  return new RxpgError(ErrorCode.ProtocolViolation, 'data row does not match its description');
}

/** A property key in generated source: `__proto__` must be computed, or it sets the prototype. */
function keySource(name: string): string {
  const literal = JSON.stringify(name);
  return name === '__proto__' ? `[${literal}]` : literal;
}

/**
 * Generates the decoder for a list of columns: one straight-line function that
 * reads each field's length, slices its text and calls that column's parser,
 * then builds the row as one object (or array) literal, so that every row of a
 * result shares one shape. Column names enter the source only as JSON string
 * literals; parsers are passed in as arguments, never as source.
 */
export function compileRowDecoder(
  names: readonly string[],
  readers: readonly ColumnReader[],
  mode: RowMode,
): CompiledDecoder {
  const count = names.length;
  const lines: string[] = [
    'return function decodeRow(b, start, end) {',
    `  if (end - start < 2 || ((b[start] << 8) | b[start + 1]) !== ${count}) throw mismatch();`,
    '  let o = start + 2, l = 0;',
  ];
  for (let i = 0; i < count; i++) {
    const reader = readers[i];
    const text = 'slice.call(b, o, o += l)';
    const value =
      reader === 'integer'
        ? 'readInteger(b, o, o += l)'
        : reader === 'boolean'
          ? 'b[(o += l) - l] === 0x74' // 't'
          : reader === undefined
            ? text
            : typeof reader === 'object'
              ? `p${i}(b, o, o += l)`
              : `p${i}(${text})`;
    lines.push(
      `  if (o + 4 > end) throw mismatch();`,
      `  l = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]; o += 4;`,
      `  if (l < -1 || o + l > end) throw mismatch();`,
      `  const v${i} = l < 0 ? null : ${value};`,
    );
  }
  // Bytes after the last field mean the row is not what its description says.
  lines.push('  if (o !== end) throw mismatch();');
  const values = names.map((_, i) => `v${i}`);
  lines.push(
    mode === 'array'
      ? `  return [${values.join(', ')}];`
      : `  return {${names.map((n, i) => `${keySource(n)}: v${i}`).join(', ')}};`,
    '};',
  );
  const parserNames = readers.map((_, i) => `p${i}`);
  // Generated once per RowDescription, from JSON-quoted names only.
  const factory = new Function(
    'slice',
    'mismatch',
    'readInteger',
    ...parserNames,
    lines.join('\n'),
  ) as (...args: unknown[]) => CompiledDecoder;
  const functions = readers.map((r) => (typeof r === 'object' ? r.fromBytes : r));
  return factory(utf8Slice, mismatch, readInteger, ...functions);
}
