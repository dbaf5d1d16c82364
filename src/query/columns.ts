import { ErrorCode, RxpgError } from '../errors';
import type { FieldDescription } from '../protocol/messages';
import { parserFor, type TextParser, type TypeParsers } from './types';

/** A column of a result: its name and type, as the server described it. */
export interface Column {
  readonly name: string;
  /** The type OID (see `TypeOid`). */
  readonly typeId: number;
  /** The table OID and column number the value comes from, or 0. */
  readonly tableId: number;
  readonly columnId: number;
}

/** A row keyed by column name. */
export type Row = Record<string, unknown>;

/**
 * The decoder of one result's rows, built once per RowDescription so that the
 * per-row path only slices strings and calls precomputed parsers.
 */
export class RowDecoder {
  readonly columns: readonly Column[];
  private readonly names: string[];
  /** One parser per column; undefined keeps the text as it is. */
  private readonly parsers: (TextParser | undefined)[];

  constructor(fields: readonly FieldDescription[], overrides?: TypeParsers) {
    this.columns = fields.map((f) => ({
      name: f.name,
      typeId: f.typeId,
      tableId: f.tableId,
      columnId: f.columnId,
    }));
    this.names = fields.map((f) => f.name);
    this.parsers = fields.map((f) => parserFor(f.typeId, overrides));
  }

  /** Decodes a DataRow body into an object keyed by column name. */
  decode(body: Buffer): Row {
    const count = this.names.length;
    if (body.length < 2 || body.readInt16BE(0) !== count) {
      throw new RxpgError(ErrorCode.ProtocolViolation, 'data row does not match its description');
    }
    const row: Row = {};
    let offset = 2;
    for (let i = 0; i < count; i++) {
      const length = body.readInt32BE(offset);
      offset += 4;
      if (length < 0) {
        row[this.names[i]] = null;
        continue;
      }
      const end = offset + length;
      if (end > body.length) {
        throw new RxpgError(ErrorCode.ProtocolViolation, 'data row field runs past its message');
      }
      const text = body.toString('utf8', offset, end);
      offset = end;
      const parse = this.parsers[i];
      row[this.names[i]] = parse === undefined ? text : parse(text);
    }
    return row;
  }
}
