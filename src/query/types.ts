import { getTypeParser } from 'pg-types';
import { parse as parseArray } from 'postgres-array';
import { parse as parseRange } from 'postgres-range';
import { parseDate, parseTimestamp, parseTimestamptz } from './type-dates';
import { TypeOid } from './type-oids';

export { TypeOid } from './type-oids';
export type { TypeName } from './type-oids';
export type { DateValue } from './type-dates';

/**
 * Turns one non-NULL column value, in PostgreSQL's text format, into a JavaScript value.
 * SQL NULL never reaches a parser: the row decoder keeps it as `null`.
 */
export type TextParser = (text: string) => unknown;

/**
 * Parsers chosen by the user, by type OID; they win over the built-in ones.
 *
 * @example
 * const overrides: TypeParsers = { [TypeOid.int8]: BigInt, [TypeOid.timestamptz]: keepText };
 */
export type TypeParsers = Readonly<Partial<Record<number, TextParser>>>;

/**
 * An override that keeps a type's text as it is, e.g. to read timestamps as strings.
 * {@link parserFor} answers `undefined` for it, so it costs nothing per value.
 *
 * @example
 * parserFor(TypeOid.date, { [TypeOid.date]: keepText }); // undefined: keep '2024-05-06'
 */
export const keepText: TextParser = (text) => text;

// pg-types' own parsers, taken once at load: later setTypeParser calls do not reach rxpg.
const parseBool = getTypeParser(TypeOid.bool);
const parseBytea = getTypeParser(TypeOid.bytea);
const parseInterval = getTypeParser(TypeOid.interval);
const parsePoint = getTypeParser(TypeOid.point);
const parseCircle = getTypeParser(TypeOid.circle);

const parseTextArray: TextParser = (text) => parseArray(text);
// Bounds that stay text (int8, numeric) keep every digit.
const parseTextRange: TextParser = (text) => parseRange(text);

function arrayOf(element: TextParser): TextParser {
  return (text) => parseArray(text, element);
}

function rangeOf(bound: TextParser): TextParser {
  return (text) => parseRange(text, bound);
}

const parseInt4Range = rangeOf(Number);
const parseTsRange = rangeOf(parseTimestamp);
const parseTstzRange = rangeOf(parseTimestamptz);
const parseDateRange = rangeOf(parseDate);

/**
 * Built-in decoding, node-postgres' defaults where they keep every digit: int8 and
 * numeric stay strings (a number would round them), so do numrange bounds, which
 * pg-types would round. A type missing here (text, varchar, uuid, enums, ...) is kept
 * as its text.
 */
const BUILT_IN: ReadonlyMap<number, TextParser> = new Map<number, TextParser>([
  [TypeOid.bool, parseBool],
  [TypeOid.bytea, parseBytea],
  [TypeOid.int2, Number],
  [TypeOid.int4, Number],
  [TypeOid.oid, Number],
  [TypeOid.float4, parseFloat],
  [TypeOid.float8, parseFloat],
  [TypeOid.json, JSON.parse],
  [TypeOid.jsonb, JSON.parse],
  [TypeOid.point, parsePoint],
  [TypeOid.circle, parseCircle],
  [TypeOid.date, parseDate],
  [TypeOid.timestamp, parseTimestamp],
  [TypeOid.timestamptz, parseTimestamptz],
  [TypeOid.interval, parseInterval],
  [TypeOid.int4range, parseInt4Range],
  [TypeOid.int8range, parseTextRange],
  [TypeOid.numrange, parseTextRange],
  [TypeOid.tsrange, parseTsRange],
  [TypeOid.tstzrange, parseTstzRange],
  [TypeOid.daterange, parseDateRange],

  [TypeOid.boolArray, arrayOf(parseBool)],
  [TypeOid.byteaArray, arrayOf(parseBytea)],
  [TypeOid.int2Array, arrayOf(Number)],
  [TypeOid.int4Array, arrayOf(Number)],
  [TypeOid.oidArray, arrayOf(Number)],
  [TypeOid.float4Array, arrayOf(parseFloat)],
  [TypeOid.float8Array, arrayOf(parseFloat)],
  [TypeOid.jsonArray, arrayOf(JSON.parse)],
  [TypeOid.jsonbArray, arrayOf(JSON.parse)],
  [TypeOid.pointArray, arrayOf(parsePoint)],
  [TypeOid.dateArray, arrayOf(parseDate)],
  [TypeOid.timestampArray, arrayOf(parseTimestamp)],
  [TypeOid.timestamptzArray, arrayOf(parseTimestamptz)],
  [TypeOid.intervalArray, arrayOf(parseInterval)],
  [TypeOid.int4rangeArray, arrayOf(parseInt4Range)],
  [TypeOid.int8rangeArray, arrayOf(parseTextRange)],
  [TypeOid.numrangeArray, arrayOf(parseTextRange)],
  [TypeOid.tsrangeArray, arrayOf(parseTsRange)],
  [TypeOid.tstzrangeArray, arrayOf(parseTstzRange)],
  [TypeOid.daterangeArray, arrayOf(parseDateRange)],
  ...[
    TypeOid.int8Array,
    TypeOid.numericArray,
    TypeOid.moneyArray,
    TypeOid.charArray,
    TypeOid.nameArray,
    TypeOid.textArray,
    TypeOid.bpcharArray,
    TypeOid.varcharArray,
    TypeOid.regprocArray,
    TypeOid.uuidArray,
    TypeOid.timeArray,
    TypeOid.timetzArray,
    TypeOid.cidrArray,
    TypeOid.inetArray,
    TypeOid.macaddrArray,
    TypeOid.xmlArray,
  ].map((oid): [number, TextParser] => [oid, parseTextArray]),
]);

/**
 * The parser for a column of type `oid`: the user's override if there is one, else the
 * built-in one. Call it once per column when a RowDescription arrives, not per value.
 *
 * Returns `undefined` when the text is the value (text, varchar, uuid, int8, numeric,
 * enums, unknown types, or a {@link keepText} override): the row decoder then stores the
 * string and spends no call on it.
 *
 * @example
 * const parsers = fields.map((field) => parserFor(field.dataTypeID, options.types));
 * const value = text === null ? null : parsers[i] === undefined ? text : parsers[i](text);
 */
export function parserFor(oid: number, overrides?: TypeParsers): TextParser | undefined {
  const parser = overrides?.[oid] ?? BUILT_IN.get(oid);
  return parser === keepText ? undefined : parser;
}
