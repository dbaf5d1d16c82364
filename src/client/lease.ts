import { defer, Observable, type ObservableInput, Subscription } from 'rxjs';
import type { Connection } from '../connection/connection';
import type { Lease, Pool } from './pool';

/**
 * Runs `work` on a connection of the pool, taken when the result is
 * subscribed and given back when it completes, errors or is unsubscribed
 * (the pool then makes it clean before lending it again). The connection goes
 * back before the completion is passed on, so that work chained after this
 * one (`concat`) can reuse it.
 * @internal
 */
export function withConnection<T>(
  pool: Pool,
  work: (connection: Connection) => ObservableInput<T>,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    /** The connection lent, until it is given back. */
    let lease: Lease | undefined;
    const subscriptions = new Subscription();
    const release = (): void => {
      const held = lease;
      lease = undefined;
      held?.release();
    };
    subscriptions.add(
      pool.acquire().subscribe({
        next: (granted) => {
          lease = granted;
          subscriptions.add(
            defer(() => work(granted.connection)).subscribe({
              next: (value) => subscriber.next(value),
              error: (error: unknown) => {
                release();
                subscriber.error(error);
              },
              complete: () => {
                release();
                subscriber.complete();
              },
            }),
          );
        },
        error: (error: unknown) => subscriber.error(error),
      }),
    );
    return () => {
      // The work is withdrawn first: the connection goes back with nothing new queued on it.
      subscriptions.unsubscribe();
      release();
    };
  });
}
