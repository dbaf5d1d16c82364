import type { Duplex } from 'node:stream';
import { Observable, of, switchMap, take, throwError } from 'rxjs';
import type { ConnectConfig, HostTarget } from '../config/types';
import { ErrorCode, RxpgError } from '../errors';
import { CANCEL_REQUEST_CODE } from '../protocol/codes';
import type { BackendKey } from './session';
import { openSocket } from './socket';
import { requestSsl } from './ssl-request';
import { ALPN_POSTGRESQL, tlsOptions } from './tls-options';
import type { TlsMaterial } from './tls-material';
import { upgradeToTls } from './tls-upgrade';

/** CancelRequest: length 16, the request code, then the backend's key. */
export function cancelRequestMessage(key: BackendKey): Buffer {
  const message = Buffer.alloc(16);
  message.writeInt32BE(16, 0);
  message.writeInt32BE(CANCEL_REQUEST_CODE, 4);
  message.writeInt32BE(key.processId, 8);
  message.writeInt32BE(key.secretKey, 12);
  return message;
}

/** What a cancel needs to reach the same backend the way its connection did. */
export interface CancelTarget {
  readonly config: ConnectConfig;
  readonly target: HostTarget;
  readonly key: BackendKey;
  /** The connection ran over TLS: the cancel must too, never in plaintext (libpq 17). */
  readonly encrypted: boolean;
  readonly material?: TlsMaterial;
}

/**
 * Sends CancelRequest on a new socket, negotiating encryption as its
 * connection did, and completes once the server has closed that socket:
 * only then has the backend been signalled, so only then may the next query
 * be sent without the cancel hitting it.
 */
export function sendCancelRequest(cancel: CancelTarget): Observable<void> {
  const { config, target } = cancel;
  return openSocket(config, target).pipe(
    switchMap((socket): Observable<Duplex> => {
      if (!cancel.encrypted) return of(socket);
      const options = tlsOptions(config, target, cancel.material);
      if (config.sslnegotiation === 'direct') {
        return upgradeToTls(socket, options, ALPN_POSTGRESQL);
      }
      return requestSsl(socket).pipe(
        switchMap((answer) =>
          answer === 'accepted'
            ? upgradeToTls(socket, options)
            : throwError(
                () =>
                  new RxpgError(
                    ErrorCode.SslRequired,
                    'server refused SSL for a cancel request; it was not sent in plaintext',
                  ),
              ),
        ),
      );
    }),
    switchMap((stream) => untilClosed(stream, cancelRequestMessage(cancel.key))),
    // The socket steps never complete on their own; the server's close is the end.
    take(1),
  );
}

function untilClosed(stream: Duplex, message: Buffer): Observable<void> {
  return new Observable<void>((subscriber) => {
    const closed = (): void => {
      subscriber.next();
      subscriber.complete();
    };
    stream.on('close', closed);
    stream.on('end', closed);
    // The server sends nothing back; reading lets us see its end of the socket.
    stream.on('data', () => undefined);
    stream.write(message);
    return () => {
      stream.off('close', closed);
      stream.off('end', closed);
    };
  });
}
