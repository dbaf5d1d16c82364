import type { Socket } from 'node:net';
import { Observable } from 'rxjs';
import { ErrorCode, RxpgError } from '../errors';
import { SSL_REQUEST_CODE, SslReply } from '../protocol/codes';

/**
 * What the server said to SSLRequest: `accepted` ('S'), `refused` ('N'), or `injected`: 'S'
 * followed by bytes that arrived with it, before any TLS handshake.
 */
export type SslAnswer = 'accepted' | 'injected' | 'refused';

/** SSLRequest: length 8, then the request code. */
export function sslRequestMessage(): Buffer {
  const message = Buffer.alloc(8);
  message.writeInt32BE(8, 0);
  message.writeInt32BE(SSL_REQUEST_CODE, 4);
  return message;
}

/**
 * Writes SSLRequest and reads exactly one reply byte.
 *
 * - 'S': emits `accepted`; or `injected` when more bytes came with it. Those were not
 *   encrypted, so a man-in-the-middle may have put them there (CVE-2021-23222). They are
 *   taken out of the socket, so that the TLS handshake reads only what follows, and the
 *   caller fails once the handshake is done: libpq's order, which lets sslmode=prefer still
 *   fall back to plaintext when the handshake itself fails.
 * - 'N': emits `refused`; the caller decides whether plaintext is allowed.
 * - 'E': fails without reading the server's text, which is unauthenticated
 *   (CVE-2024-10977); anything else fails as a protocol violation.
 */
export function requestSsl(socket: Socket): Observable<SslAnswer> {
  return new Observable<SslAnswer>((subscriber) => {
    const onReadable = (): void => {
      const reply = socket.read(1) as Buffer | null;
      if (reply === null) return;
      stop();
      switch (reply[0]) {
        case SslReply.Accept:
          if (socket.readableLength === 0) {
            subscriber.next('accepted');
            return;
          }
          socket.read();
          subscriber.next('injected');
          return;
        case SslReply.Refuse:
          subscriber.next('refused');
          return;
        case SslReply.Error:
          subscriber.error(
            new RxpgError(
              ErrorCode.SslRefused,
              'server sent an error response during SSL exchange',
            ),
          );
          return;
        default:
          subscriber.error(
            new RxpgError(
              ErrorCode.ProtocolViolation,
              `received invalid response to SSL negotiation: 0x${reply[0].toString(16)}`,
            ),
          );
      }
    };
    const onEnd = (): void => {
      stop();
      subscriber.error(
        new RxpgError(
          ErrorCode.ConnectionClosed,
          'server closed the connection during SSL negotiation',
        ),
      );
    };
    const onError = (cause: Error): void => {
      stop();
      subscriber.error(
        new RxpgError(
          ErrorCode.ConnectionClosed,
          `connection lost during SSL negotiation: ${cause.message}`,
          { cause },
        ),
      );
    };
    const stop = (): void => {
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
    };

    socket.on('readable', onReadable);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
    socket.write(sslRequestMessage());
    return stop;
  });
}

/**
 * The error for plaintext bytes that came with the 'S' reply, raised once the TLS handshake
 * succeeded (CVE-2021-23222).
 */
export function injectedBytesError(): RxpgError {
  return new RxpgError(ErrorCode.SslInjection, 'received unencrypted data after the SSL response', {
    hint: 'something between client and server is tampering with the connection',
  });
}
