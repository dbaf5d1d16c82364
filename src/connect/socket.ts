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

/** Node's socket API sets only the idle time of keepalives, not their interval or count. */
function unsupportedKeepalive(config: ConnectConfig): boolean {
  return config.keepalivesInterval !== undefined || config.keepalivesCount !== undefined;
}

/**
 * Opens a TCP or Unix socket and emits it once connected; fails with RXPG_CONNECT_FAILED if
 * it cannot. The observable never completes, and reports nothing after the socket opened: the
 * steps that read from it then see its errors and its end. Unsubscribing destroys the socket.
 *
 * @example
 * openSocket(config, { host: '127.0.0.1', port: 5432 }).subscribe((socket) => socket.end());
 */
export function openSocket(config: ConnectConfig, target: HostTarget): Observable<Socket> {
  return new Observable<Socket>((subscriber) => {
    const tcp = !isUnixSocket(target);
    if (tcp && config.keepalives && unsupportedKeepalive(config)) {
      subscriber.error(
        new RxpgError(
          ErrorCode.NotSupported,
          'keepalives_interval and keepalives_count cannot be set from Node.js',
          { hint: 'leave them out (the system defaults apply), or set keepalives=0' },
        ),
      );
      return undefined;
    }
    const socket = isUnixSocket(target)
      ? netConnect({ path: unixSocketPath(target) })
      : netConnect({ host: target.hostaddr ?? target.host, port: target.port });

    const onError = (cause: Error): void => {
      subscriber.error(
        new RxpgError(
          ErrorCode.ConnectFailed,
          `could not connect to ${describeTarget(target)}: ${cause.message}`,
          { cause },
        ),
      );
    };
    socket.on('error', onError);
    socket.once('connect', () => {
      // From here on the steps reading the socket report its errors; one listener stays so
      // that no socket error is ever unhandled.
      socket.off('error', onError);
      socket.on('error', ignore);
      if (!isUnixSocket(target)) {
        socket.setNoDelay(true);
        if (config.keepalives) socket.setKeepAlive(true, (config.keepalivesIdle ?? 0) * 1000);
      }
      subscriber.next(socket);
    });

    return () => {
      socket.off('error', onError);
      // Later errors of a socket being torn down are of no interest, but must be handled.
      socket.on('error', ignore);
      // A TLS socket may wrap this one, and its teardown runs after this one when an error
      // rises from inside a TLS callback (bytes injected after 'S', a missing ALPN). Node 20
      // crashes (SIGSEGV) when the wrapped socket is destroyed first from within
      // 'secureConnect', so the plain socket goes one turn of the event loop later.
      setImmediate(() => socket.destroy());
    };
  });
}

function ignore(): void {}
