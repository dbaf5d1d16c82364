import type { Column, Row } from './columns';

/**
 * What one statement came to: its command tag, the number of rows it affected or
 * returned, its columns and its rows. Emitted by `queryResults` (one per statement)
 * and `executeResults` (one).
 *
 * @example
 * conn.executeResults('update users set active = false where seen < $1', [cutoff])
 *   .subscribe((result) => show(`${result.command}: ${result.rowCount} rows`)); // UPDATE: 3 rows
 */
export interface Result<T = Row> {
  /** The command, from the tag: `'SELECT'`, `'INSERT'`, `'CREATE TABLE'`... */
  readonly command: string;
  /**
   * The rows inserted, updated, deleted, merged, selected, copied, fetched or moved,
   * from the tag; null for commands whose tag carries no count (CREATE TABLE, SET).
   */
  readonly rowCount: number | null;
  /** The command tag as the server sent it, e.g. `'INSERT 0 3'`. */
  readonly tag: string;
  /** The columns of the rows; empty for a statement that returns none. */
  readonly columns: readonly Column[];
  readonly rows: T[];
}

/** The digits that end a tag with a row count ('SELECT 3', 'INSERT 0 3'). */
const COUNT = /^\d+$/;

/**
 * Splits a command tag into the command and its row count. INSERT's tag carries
 * an OID before the count (always 0 since PostgreSQL 12), which is dropped.
 *
 * @example
 * parseCommandTag('INSERT 0 3'); // { command: 'INSERT', rowCount: 3 }
 * parseCommandTag('CREATE TABLE'); // { command: 'CREATE TABLE', rowCount: null }
 */
export function parseCommandTag(tag: string): Pick<Result, 'command' | 'rowCount'> {
  const words = tag.split(' ');
  const last = words[words.length - 1];
  if (words.length < 2 || !COUNT.test(last)) return { command: tag, rowCount: null };
  const command = words[0] === 'INSERT' ? 'INSERT' : words.slice(0, -1).join(' ');
  return { command, rowCount: Number(last) };
}
