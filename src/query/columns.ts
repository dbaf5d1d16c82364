import type { FieldDescription } from '../protocol/messages';
import { compileRowDecoder, type ColumnReader, type CompiledDecoder } from './compile-row';
import { readBytea } from './read-bytea';
import { readTimestamp, readTimestamptz } from './read-timestamp';
import { TypeOid } from './type-oids';
import { parserFor, type TypeParsers } from './types';

/** Types whose text is read from bytes unless the caller overrides their parser. */
const BYTE_READERS: ReadonlyMap<number, ColumnReader> = new Map<number, ColumnReader>([
  [TypeOid.int2, 'integer'],
  [TypeOid.int4, 'integer'],
  [TypeOid.oid, 'integer'],
  [TypeOid.bool, 'boolean'],
  [TypeOid.timestamptz, { fromBytes: readTimestamptz }],
  [TypeOid.timestamp, { fromBytes: readTimestamp }],
  // Hex digits are twice the bytes: a large bytea must not pass through one string.
  [TypeOid.bytea, { fromBytes: readBytea }],
]);

function readerFor(oid: number, overrides: TypeParsers | undefined): ColumnReader {
  const fast = overrides?.[oid] === undefined ? BYTE_READERS.get(oid) : undefined;
  return fast ?? parserFor(oid, overrides);
}

/** A column of a result: its name and type, as the server described it. */
export interface Column {
  /** The key of the column in row objects (unique: see {@link uniqueNames}). */
  readonly name: string;
  /** The name the server gave, which several columns may share. */
  readonly originalName: string;
  /** The type OID (see `TypeOid`). */
  readonly typeId: number;
  /** The table OID and column number the value comes from, or 0. */
  readonly tableId: number;
  readonly columnId: number;
  readonly typeModifier: number;
}

/** A row keyed by column name. */
export type Row = Record<string, unknown>;

/** How rows are shaped: objects keyed by column name, or arrays in column order. */
export type RowMode = 'object' | 'array';

/**
 * Keys for columns whose names may repeat (`select 1 as a, 2 as a`): the first
 * keeps its name, later ones get `_2`, `_3`... so that no value is silently
 * dropped. A suffixed name that is itself taken gets the next number.
 */
export function uniqueNames(names: readonly string[]): string[] {
  const taken = new Set(names);
  const seen = new Set<string>();
  return names.map((name) => {
    if (!seen.has(name)) {
      seen.add(name);
      return name;
    }
    let n = 2;
    while (taken.has(`${name}_${n}`) || seen.has(`${name}_${n}`)) n++;
    const unique = `${name}_${n}`;
    seen.add(unique);
    return unique;
  });
}

/** Decoders for the built-in parsers, by column names and types; bounded, cleared when full. */
const sharedDecoders = new Map<string, RowDecoder>();
const MAX_SHARED_DECODERS = 1000;

/**
 * The decoder of one result's rows: the per-row path is a function generated
 * for these columns, with their parsers bound. Generating costs far more than
 * a row, so decoders for the built-in parsers are shared by every result with
 * the same columns ({@link RowDecoder.for}).
 */
export class RowDecoder {
  /** The decoder for `fields`: shared when no parser is overridden, else made for the caller. */
  static for(
    fields: readonly FieldDescription[],
    overrides?: TypeParsers,
    mode: RowMode = 'object',
  ): RowDecoder {
    if (overrides !== undefined) return new RowDecoder(fields, overrides, mode);
    let key = mode;
    // The type modifier only shows in `columns`, but they are shared too.
    for (const f of fields) {
      key += `\0${f.name}\0${f.typeId}\0${f.tableId}\0${f.columnId}\0${f.typeModifier}`;
    }
    let decoder = sharedDecoders.get(key);
    if (decoder === undefined) {
      if (sharedDecoders.size >= MAX_SHARED_DECODERS) sharedDecoders.clear();
      decoder = new RowDecoder(fields, undefined, mode);
      sharedDecoders.set(key, decoder);
    }
    return decoder;
  }

  readonly columns: readonly Column[];
  private readonly compiled: CompiledDecoder;

  constructor(
    fields: readonly FieldDescription[],
    overrides?: TypeParsers,
    mode: RowMode = 'object',
  ) {
    const names = uniqueNames(fields.map((f) => f.name));
    this.columns = fields.map((f, i) => ({
      name: names[i],
      originalName: f.name,
      typeId: f.typeId,
      tableId: f.tableId,
      columnId: f.columnId,
      typeModifier: f.typeModifier,
    }));
    this.compiled = compileRowDecoder(
      names,
      fields.map((f) => readerFor(f.typeId, overrides)),
      mode,
    );
  }

  /** Decodes the DataRow body at `buffer[start, end)`. */
  decode(buffer: Buffer, start: number, end: number): unknown {
    return this.compiled(buffer, start, end);
  }
}
