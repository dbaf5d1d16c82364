import type { Column, RowMode } from './columns';
import type { TypeParsers } from './types';

/**
 * Per-query options, the optional last argument of the query methods.
 *
 * @example
 * conn.query<[number, string]>('select 1, 2::text', {
 *   rowMode: 'array',
 *   onColumns: (columns) => show(columns.map((c) => `${c.name}: ${c.typeId}`)),
 * });
 */
export interface QueryOptions {
  /** Parsers by type OID, over the connection's own. */
  readonly types?: TypeParsers;
  /**
   * How rows are shaped: `'object'` (the default) keyed by column name, with
   * repeated names made unique (`a`, `a_2`); `'array'` with the values in column
   * order, which keeps every column whatever its name.
   */
  readonly rowMode?: RowMode;
  /**
   * Called with the columns (name, type OID, source table) of each result that
   * has rows, before its first row; once per statement of a multi-statement
   * query. An error it throws ends the query with that error.
   */
  readonly onColumns?: (columns: readonly Column[]) => void;
}
