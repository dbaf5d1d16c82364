import type { Socket } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { Observable } from 'rxjs';
import { ErrorCode, RxpgError } from '../errors';
import { loadTls } from './lazy-modules';
import { withSharedContext } from './secure-contexts';

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
    const { connect } = loadTls();
    let tls: TLSSocket;
    try {
      tls = connect({ ...withSharedContext(options), socket });
    } catch (cause) {
      // Node checks some options (a malformed certificate, say) before any byte is sent.
      const reason = cause instanceof Error ? cause.message : String(cause);
      subscriber.error(new RxpgError(ErrorCode.TlsFailed, `SSL error: ${reason}`, { cause }));
      return;
    }
    // Until the handshake completes, an error is a failed handshake; after it, the message
    // stream reading the TLS socket reports errors, and this step stays silent.
    const onError = (cause: Error): void => {
      subscriber.error(
        new RxpgError(ErrorCode.TlsFailed, `SSL error: ${cause.message}`, { cause }),
      );
    };
    const onClose = (): void => {
      subscriber.error(
        new RxpgError(ErrorCode.TlsFailed, 'SSL error: the server closed the connection'),
      );
    };
    const quiet = (): void => {
      tls.off('error', onError);
      tls.off('close', onClose);
      tls.on('error', ignore);
    };
    tls.on('error', onError);
    tls.on('close', onClose);
    tls.once('secureConnect', () => {
      if (alpn !== undefined && tls.alpnProtocol !== alpn) {
        const what = tls.alpnProtocol === false ? 'no ALPN protocol' : 'an unexpected one';
        subscriber.error(
          new RxpgError(
            ErrorCode.TlsFailed,
            `direct SSL connection was established with ${what}, not "${alpn}"`,
          ),
        );
        return;
      }
      quiet();
      subscriber.next(tls);
    });
    return () => {
      quiet();
      tls.destroy();
    };
  });
}

function ignore(): void {}
