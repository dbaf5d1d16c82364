import { ErrorCode, RxpgError } from '../errors';

/**
 * The isolation levels of `SET TRANSACTION`, spelt as in SQL.
 *
 * @example
 * const level: IsolationLevel = 'repeatable read';
 */
export type IsolationLevel =
  'serializable' | 'repeatable read' | 'read committed' | 'read uncommitted';

/**
 * How `client.transaction` begins, and whether it retries.
 *
 * @example
 * client.transaction((tx) => work(tx), { isolationLevel: 'serializable', retry: 3 });
 */
export interface TransactionOptions {
  /** Default: the server's `default_transaction_isolation` (read committed unless changed). */
  readonly isolationLevel?: IsolationLevel;
  /** true: READ ONLY; false: READ WRITE; unset: the server's default. */
  readonly readOnly?: boolean;
  /** true: DEFERRABLE (with serializable and readOnly: waits for a safe snapshot). */
  readonly deferrable?: boolean;
  /**
   * How many times to run the transaction again after a serialization
   * failure (40001) or a deadlock (40P01), from BEGIN, on the same connection
   * (default 0). With retries, values are held until COMMIT succeeds, so no
   * subscriber sees values of an attempt that was rolled back.
   */
  readonly retry?: number;
}

const ISOLATION_LEVELS: readonly string[] = [
  'serializable',
  'repeatable read',
  'read committed',
  'read uncommitted',
];

/**
 * The BEGIN statement for `options`; throws on a value that is not one of
 * the known words (the options of an untyped caller are never spliced in).
 * @internal
 */
export function beginStatement(options: TransactionOptions): string {
  const modes: string[] = [];
  const level = options.isolationLevel;
  if (level !== undefined) {
    if (!ISOLATION_LEVELS.includes(level)) {
      throw new RxpgError(ErrorCode.InvalidParameter, `unknown isolation level ${String(level)}`, {
        hint: `use one of: ${ISOLATION_LEVELS.join(', ')}`,
      });
    }
    modes.push(`ISOLATION LEVEL ${level.toUpperCase()}`);
  }
  if (options.readOnly !== undefined) modes.push(options.readOnly ? 'READ ONLY' : 'READ WRITE');
  if (options.deferrable !== undefined) {
    modes.push(options.deferrable ? 'DEFERRABLE' : 'NOT DEFERRABLE');
  }
  return modes.length === 0 ? 'BEGIN' : `BEGIN ${modes.join(', ')}`;
}
