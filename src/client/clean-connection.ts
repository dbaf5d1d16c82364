import {
  catchError,
  defaultIfEmpty,
  defer,
  identity,
  map,
  type Observable,
  of,
  switchMap,
  timeout,
} from 'rxjs';
import type { Connection } from '../connection/connection';
import { command } from './command';
import { syncProbe } from './sync-probe';

/**
 * Makes a connection that comes back to the pool fit for its next user: waits
 * until it is idle (a query abandoned by unsubscribe may still be on the
 * wire), then rolls back a transaction left open or failed. Emits true when
 * the connection is idle outside any transaction, false when it could not be
 * made so and must be discarded; never errors.
 * @internal
 */
export function cleanConnection(connection: Connection, bound: number): Observable<boolean> {
  return defer(() => {
    const state = connection.connectionState;
    if (state === 'closing' || state === 'closed') return of(false);
    // Only a busy connection needs the round trip that waits for its ReadyForQuery.
    const status$ = state === 'ready' ? of(connection.transactionStatus) : syncProbe(connection);
    return status$.pipe(
      switchMap((status) =>
        status === 'I'
          ? of(true)
          : command(connection, 'ROLLBACK').pipe(
              map(() => connection.transactionStatus === 'I'),
              defaultIfEmpty(false),
            ),
      ),
      map((clean) => clean && connection.connectionState === 'ready'),
      // A clean-up that hangs (a stalled network under BEGIN or ROLLBACK) costs the connection.
      Number.isFinite(bound) ? timeout({ first: bound }) : identity,
      catchError(() => of(false)),
      defaultIfEmpty(false),
    );
  });
}
