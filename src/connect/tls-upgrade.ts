import type { Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { Observable } from 'rxjs';
import { ErrorCode, RxpgError } from '../errors';

/**
 * Runs the TLS handshake over an open socket and emits the encrypted socket.
 * With `alpn`, the server must have chosen that protocol (direct TLS).
 * Unsubscribing destroys the TLS socket.
 */
export function upgradeToTls(
  socket: Socket,
  options: ConnectionOptions,
  alpn?: string,
): Observable<TLSSocket> {
  return new Observable<TLSSocket>((subscriber) => {
    // Until the handshake completes, an error is a failed handshake.
    let secure = false;
    const tls = tlsConnect({ ...options, socket });
    const onError = (cause: Error): void => {
      const message = secure ? `connection lost: ${cause.message}` : `SSL error: ${cause.message}`;
      subscriber.error(
        new RxpgError(secure ? ErrorCode.ConnectionClosed : ErrorCode.TlsFailed, message, {
          cause,
        }),
      );
    };
    tls.on('error', onError);
    tls.once('secureConnect', () => {
      if (alpn !== undefined && tls.alpnProtocol !== alpn) {
        subscriber.error(
          new RxpgError(ErrorCode.TlsFailed, `server did not select the ALPN protocol "${alpn}"`),
        );
        return;
      }
      secure = true;
      subscriber.next(tls);
    });
    return () => {
      tls.off('error', onError);
      tls.on('error', () => undefined);
      tls.destroy();
    };
  });
}
