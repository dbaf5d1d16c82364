import { dematerialize, materialize, type Observable, switchMap } from 'rxjs';
import type { ConnectionParameters } from '../config';
import { connect, type ConnectOptions } from './connect';
import type { Connection } from './connection';

/**
 * Opens a connection, runs `work` on it, and closes it when the work
 * completes, errors or is unsubscribed. Unlike `connect()`, which stays open
 * for as long as the connection lives, this completes with the work.
 *
 * @example
 * withConnection('postgresql://app@localhost/app', (conn) => conn.query('select 1 as one'))
 *   .subscribe({ next: (row) => console.log(row.one), complete: () => console.log('closed') });
 */
export function withConnection<T>(
  config: string | ConnectionParameters | undefined,
  work: (connection: Connection) => Observable<T>,
  options: ConnectOptions = {},
): Observable<T> {
  return connect(config, options).pipe(
    // The work's completion must end the whole pipeline, which then closes the connection.
    switchMap((connection) => work(connection).pipe(materialize())),
    dematerialize(),
  );
}
