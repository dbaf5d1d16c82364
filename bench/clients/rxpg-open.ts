/** Opening rxpg connections for the benchmark, and draining observables into promises. */
import type { Observable } from 'rxjs';

import { connect, type Connection } from '../../src';
import type { BenchServer } from '../shared';

/** No PG* variable of the user's environment may change where or how the benchmark connects. */
export const NO_ENVIRONMENT = { env: {} };

/** The streaming and pool scenarios run over plain TCP, like every other client. */
export function plainConninfo(server: BenchServer): string {
  return (
    `host=${server.host} port=${server.port} user=${server.user} dbname=${server.database} ` +
    'sslmode=disable'
  );
}

export function tlsConninfo(server: BenchServer): string {
  const { tls } = server;
  return (
    `host=${tls.host} port=${server.port} user=${tls.user} password=${tls.password} ` +
    `dbname=${server.database} sslmode=verify-full sslrootcert=${tls.caFile}`
  );
}

export interface Opened {
  readonly conn: Connection;
  readonly close: () => void;
}

/** Opens a connection and keeps it open (subscribed) until `close()`. */
export function open(conninfo: string): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const subscription = connect(conninfo, NO_ENVIRONMENT).subscribe({
      next: (conn) => resolve({ conn, close: () => subscription.unsubscribe() }),
      error: reject,
    });
  });
}

/** Subscribes and resolves at completion; an error thrown by `consume` rejects. */
export function drain<T>(rows$: Observable<T>, consume: (row: T) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    rows$.subscribe({
      next(row) {
        try {
          consume(row);
        } catch (error) {
          reject(error);
        }
      },
      error: reject,
      complete: resolve,
    });
  });
}
