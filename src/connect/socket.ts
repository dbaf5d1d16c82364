import { connect as netConnect, type Socket } from 'node:net';
import { Observable } from 'rxjs';
import type { ConnectConfig, HostTarget } from '../config/types';
import { ErrorCode, RxpgError } from '../errors';

/** True for a Unix-domain socket folder (libpq: a host starting with `/` or `@`). */
export function isUnixSocket(target: HostTarget): boolean {
  return target.host.startsWith('/') || target.host.startsWith('@');
}

/** The socket file of a server listening in `folder` on `port`, as libpq names it. */
export function unixSocketPath(target: HostTarget): string {
  // An `@` folder is Linux's abstract namespace, which Node spells with a leading NUL.
  const folder = target.host.startsWith('@') ? `\0${target.host.slice(1)}` : target.host;
  return `${folder}/.s.PGSQL.${target.port}`;
}

/** How a target is shown in error messages: `host:port` or the socket path. */
export function describeTarget(target: HostTarget): string {
  if (isUnixSocket(target)) return `socket "${unixSocketPath(target).replace('\0', '@')}"`;
  const address = target.hostaddr ?? target.host;
  const shown = address.includes(':') ? `[${address}]` : address;
  return `${shown}:${target.port}`;
}

/**
 * Opens a TCP or Unix socket and emits it once connected. The observable never
 * completes; unsubscribing destroys the socket unless it was ended already.
 *
 * @example
 * openSocket(config, { host: '127.0.0.1', port: 5432 }).subscribe((socket) => socket.end());
 */
export function openSocket(config: ConnectConfig, target: HostTarget): Observable<Socket> {
  return new Observable<Socket>((subscriber) => {
    // Until 'connect', failures of the socket are failures to connect.
    let connected = false;
    const socket = isUnixSocket(target)
      ? netConnect({ path: unixSocketPath(target) })
      : netConnect({ host: target.hostaddr ?? target.host, port: target.port });

    const onError = (cause: Error): void => {
      const what = connected ? 'connection lost' : 'could not connect';
      const code = connected ? ErrorCode.ConnectionClosed : ErrorCode.ConnectFailed;
      subscriber.error(
        new RxpgError(code, `${what} to ${describeTarget(target)}: ${cause.message}`, { cause }),
      );
    };
    socket.on('error', onError);
    socket.once('connect', () => {
      connected = true;
      if (!isUnixSocket(target)) {
        socket.setNoDelay(true);
        if (config.keepalives) socket.setKeepAlive(true, (config.keepalivesIdle ?? 0) * 1000);
      }
      subscriber.next(socket);
    });

    return () => {
      socket.off('error', onError);
      // Later errors of a socket being torn down are of no interest, but must be handled.
      socket.on('error', () => undefined);
      socket.destroy();
    };
  });
}
