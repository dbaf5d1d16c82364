import { from, Observable, type ObservableInput } from 'rxjs';
import type { ConnectParameters } from './password-source';
import { connect, type ConnectOptions } from './connect';
import type { Connection } from './connection';

/**
 * Opens a connection, runs `work` on it, and closes it when the work
 * completes, errors or is unsubscribed. Unlike `connect()`, which stays open
 * for as long as the connection lives, this completes with the work.
 *
 * @example
 * withConnection('postgresql://app@localhost/app', (conn) => conn.query('select 1 as one'))
 *   .subscribe({ next: (row) => show(row.one), complete: () => show('closed') });
 */
export function withConnection<T>(
  config: string | ConnectParameters | undefined,
  work: (connection: Connection) => ObservableInput<T>,
  options: ConnectOptions = {},
): Observable<T> {
  return new Observable<T>((subscriber) => {
    // The work's completion ends the subscription, whose teardown closes the connection.
    const connection = connect(config, options).subscribe({
      next: (conn) => {
        let source: Observable<T>;
        try {
          // A Promise, an async iterable or an array is as good as an Observable here.
          source = from(work(conn));
        } catch (error) {
          subscriber.error(error);
          return;
        }
        subscriber.add(source.subscribe(subscriber));
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    subscriber.add(connection);
  });
}
