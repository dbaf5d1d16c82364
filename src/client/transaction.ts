import {
  defer,
  ignoreElements,
  mergeMap,
  type Observable,
  type ObservableInput,
  of,
  retry,
  throwError,
  toArray,
} from 'rxjs';
import type { Connection } from '../connection/connection';
import { DatabaseError, ErrorCode, RxpgError } from '../errors';
import { command } from './command';
import { runScoped } from './scoped-work';
import { beginStatement, type TransactionOptions } from './transaction-options';
import { TransactionScope, type Transaction } from './transaction-scope';

/** SQLSTATEs after which a transaction may succeed if run again. */
const RETRYABLE = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

/**
 * BEGIN, the work on `connection`, COMMIT; ROLLBACK on error or unsubscribe.
 * With `retry`, attempts that fail with 40001 or 40P01 run again and values
 * are held until COMMIT succeeds.
 * @internal
 */
export function runTransaction<T>(
  connection: Connection,
  work: (tx: Transaction) => ObservableInput<T>,
  options: TransactionOptions,
): Observable<T> {
  return defer(() => {
    const begin = beginStatement(options);
    const attempt = defer(() => {
      let savepoints = 0;
      const scope = new TransactionScope(connection, () => `rxpg_savepoint_${(savepoints += 1)}`);
      return runScoped(
        connection,
        { begin, commit: () => commit(connection), rollback: 'ROLLBACK' },
        () => work(scope),
        () => scope.end(),
      );
    });
    const retries = options.retry ?? 0;
    if (retries <= 0) return attempt;
    return attempt.pipe(
      toArray(),
      retry({
        count: retries,
        delay: (error: unknown) => (retryable(error) ? of(true) : throwError(() => error)),
      }),
      mergeMap((values) => values),
    );
  });
}

/** COMMIT, which errors when the server answers ROLLBACK (the transaction had failed). */
function commit(connection: Connection): Observable<never> {
  return command(connection, 'COMMIT').pipe(
    mergeMap((tag) => (tag === 'ROLLBACK' ? throwError(() => rolledBack()) : of(tag))),
    ignoreElements(),
  );
}

function rolledBack(): RxpgError {
  return new RxpgError(
    ErrorCode.TransactionRolledBack,
    'COMMIT was answered with ROLLBACK: the transaction had failed',
    {
      hint: 'an error inside the transaction was caught and not rethrown; nothing was committed',
    },
  );
}

function retryable(error: unknown): boolean {
  return error instanceof DatabaseError && RETRYABLE.has(error.code);
}
