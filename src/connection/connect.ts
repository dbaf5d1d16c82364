import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { defer, Observable, switchMap } from 'rxjs';
import { sendCancelRequest } from '../connect/cancel-request';
import { establish } from '../connect/establish';
import { tlsMaterial } from '../connect/tls-material';
import { parseConfig, type ConnectionParameters } from '../config';
import { lookupPasswordFor } from '../config/pgpass';
import type { ConnectConfig, HostTarget } from '../config/types';
import { Connection, pipelineDepthOf, type ConnectionOptions } from './connection';
import { resolvePassword, type ConnectParameters } from './password-source';
import { withTargetSession } from './target-session';

/** Client behaviour of {@link connect}, beyond libpq's parameters. */
export interface ConnectOptions extends ConnectionOptions {
  /** Largest message accepted from an authenticated server, in bytes (default 1 GiB). */
  readonly maxMessageSize?: number;
  /** Highest SCRAM iteration count accepted from a server (default 1,000,000). */
  readonly maxScramIterations?: number;
  /** The environment that fills unset parameters (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Trust material given in code, e.g. a CA held in an environment variable: only `ca`,
   * `cert`, `key`, `passphrase` and `crl` are accepted, and they only add to what sslrootcert,
   * sslcert, sslkey and sslcrl set up. Anything that could weaken a check the sslmode asks for
   * (rejectUnauthorized, checkServerIdentity, ...) fails with RXPG_UNSAFE_TLS_OPTION.
   */
  readonly tls?: TlsConnectionOptions;
}

const DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024 * 1024;

/**
 * Opens a connection: socket, encryption negotiation as the sslmode says,
 * startup and authentication. Emits one {@link Connection} and stays open
 * while it lives; errors when the server closes it; completes after
 * `connection.close()`. Unsubscribing closes the connection (Terminate), or
 * aborts one still being made.
 *
 * @example
 * connect('postgresql://app@localhost/app?sslmode=verify-full')
 *   .pipe(switchMap((conn) => conn.query('select now() as now')), take(1))
 *   .subscribe((row) => show(row.now));
 */
export function connect(
  config?: string | ConnectParameters,
  options: ConnectOptions = {},
): Observable<Connection> {
  // A password function is called for every connection, before anything is opened.
  return resolvePassword(config).pipe(switchMap((parameters) => open(parameters, options)));
}

function open(
  config: string | ConnectionParameters | undefined,
  options: ConnectOptions,
): Observable<Connection> {
  return defer(() => {
    const resolved = parseConfig(config, options.env);
    pipelineDepthOf(options); // checked before anything is opened
    const sessionOptions = {
      maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      maxScramIterations: options.maxScramIterations,
      tls: options.tls,
      password: (target: HostTarget) => passwordFor(resolved, target),
    };
    return withTargetSession(
      resolved,
      (hosts) => establish(hosts, sessionOptions),
      (session) =>
        new Observable<Connection>((subscriber) => {
          const key = session.backendKey;
          const cancel =
            key === undefined
              ? undefined
              : () =>
                  sendCancelRequest({
                    config: resolved,
                    target: session.target,
                    key,
                    encrypted: session.encrypted,
                    material: tlsMaterial(options.tls),
                  });
          const connection = new Connection(session, options, cancel);
          const ended = connection.ended$.subscribe((error) =>
            error === undefined ? subscriber.complete() : subscriber.error(error),
          );
          subscriber.next(connection);
          return () => {
            ended.unsubscribe();
            connection.close();
          };
        }),
    );
  });
}

function passwordFor(config: ConnectConfig, target: HostTarget): string | undefined {
  if (config.password !== undefined) return config.password;
  return lookupPasswordFor(config, target);
}
