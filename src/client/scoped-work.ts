import {
  AsyncSubject,
  catchError,
  concat,
  defer,
  EMPTY,
  ignoreElements,
  Observable,
  type ObservableInput,
  throwError,
} from 'rxjs';
import type { Connection } from '../connection/connection';
import { command } from './command';

/** The statements that open and close a transaction or a savepoint. @internal */
export interface ScopeStatements {
  readonly begin: string;
  /** Ends the scope for good; errors when it could not (e.g. COMMIT answered with ROLLBACK). */
  readonly commit: () => Observable<never>;
  /** Undoes the scope. */
  readonly rollback: string;
}

/**
 * Where a scope is: `begin` (BEGIN or SAVEPOINT sent), `work` (the user's
 * observable runs), `commit` (COMMIT or RELEASE sent), `done`.
 */
type Phase = 'begin' | 'work' | 'commit' | 'done';

/**
 * Runs `work` between `begin` and `commit` on one connection, passing its
 * values on as they come. When the work errors, `rollback` runs and the
 * work's own error is reported, whether the rollback succeeds or not; when
 * the subscriber leaves before COMMIT is sent, `rollback` is sent and left
 * to run. `end` is called once the scope is over, whichever way.
 * @internal
 */
export function runScoped<T>(
  connection: Connection,
  statements: ScopeStatements,
  work: () => ObservableInput<T>,
  end: () => void,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    let phase: Phase = 'begin';
    const rollback$ = command(connection, statements.rollback).pipe(
      ignoreElements(),
      // The work's error is the one that matters; a failed rollback only costs the connection.
      catchError(() => EMPTY),
    );
    // BEGIN runs to its end even if the subscriber leaves meanwhile: a rollback must follow a
    // BEGIN that happened, and a ROLLBACK TO SAVEPOINT must never name one that was not made.
    const begun = new AsyncSubject<never>();
    command(connection, statements.begin).pipe(ignoreElements()).subscribe(begun);
    const subscription = concat(
      begun,
      defer(() => {
        phase = 'work';
        return work();
      }),
      defer(() => {
        phase = 'commit';
        return statements.commit();
      }),
    )
      .pipe(
        catchError((error: unknown) => {
          // A failed RELEASE leaves the transaction aborted; a failed COMMIT has ended it already.
          const undo =
            phase === 'work' || (phase === 'commit' && connection.transactionStatus === 'E');
          phase = 'done';
          end();
          return undo
            ? concat(
                rollback$,
                throwError(() => error),
              )
            : throwError(() => error);
        }),
      )
      .subscribe({
        next: (value) => subscriber.next(value),
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          phase = 'done';
          end();
          subscriber.complete();
        },
      });
    return () => {
      subscription.unsubscribe();
      end();
      // Queued at once, right behind the BEGIN (which still runs) or what was withdrawn, so
      // that statements of an outer transaction that come next stay outside the rollback.
      if (phase === 'begin' || phase === 'work') rollback$.subscribe();
    };
  });
}
