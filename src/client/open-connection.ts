import {
  concat,
  defer,
  ignoreElements,
  type Observable,
  type ObservableInput,
  of,
  switchMap,
} from 'rxjs';
import type { ConnectParameters } from '../connection/password-source';
import { connect, type ConnectOptions } from '../connection/connect';
import type { Connection } from '../connection/connection';

/**
 * A per-connection setup step: runs on each new connection before anyone uses it.
 *
 * @example
 * const onConnect: ConnectHook = (conn) => conn.query('set search_path = app, public');
 */
export type ConnectHook = (connection: Connection) => ObservableInput<unknown>;

/**
 * {@link connect}, followed by the setup hook: emits the connection once the
 * hook has completed, and stays open as connect() does. A hook that errors
 * (or throws) fails the opening, and the connection is closed.
 * @internal
 */
export function openConnection(
  config: string | ConnectParameters | undefined,
  options: ConnectOptions,
  onConnect: ConnectHook | undefined,
): Observable<Connection> {
  const opened$ = connect(config, options);
  if (onConnect === undefined) return opened$;
  return opened$.pipe(
    switchMap((connection) =>
      concat(defer(() => onConnect(connection)).pipe(ignoreElements()), of(connection)),
    ),
  );
}
