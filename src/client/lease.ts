import { from, Observable, type ObservableInput, Subscription } from 'rxjs';
import type { Connection } from '../connection/connection';
import type { Lease, Pool } from './pool';

/**
 * Runs `work` on a connection of the pool, taken when the result is
 * subscribed and given back when it completes, errors or is unsubscribed
 * (the pool then makes it clean before lending it again). The connection goes
 * back before the completion is passed on, so that work chained after this
 * one (`concat`) can reuse it. Work that is one `statement` opening no
 * transaction may run pipelined with others on the same connection.
 * @internal
 */
export function withConnection<T>(
  pool: Pool,
  work: (connection: Connection) => ObservableInput<T>,
  statement?: string,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    /** The connection lent, until it is given back. */
    let lease: Lease | undefined;
    const running = new Subscription();
    const release = (): void => {
      const held = lease;
      lease = undefined;
      held?.release();
    };
    const leave = pool.acquire({
      statement,
      grant: (granted) => {
        lease = granted;
        let output: ObservableInput<T>;
        try {
          output = work(granted.connection);
        } catch (error) {
          release();
          subscriber.error(error);
          return;
        }
        running.add(
          from(output).subscribe({
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
      fail: (error) => subscriber.error(error),
    });
    return () => {
      leave();
      // The work is withdrawn first: the connection goes back with nothing new queued on it.
      running.unsubscribe();
      release();
    };
  });
}
