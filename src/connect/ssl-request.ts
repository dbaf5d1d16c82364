import type { Socket } from 'node:net';
import { Observable } from 'rxjs';
import { ErrorCode, RxpgError } from '../errors';
import { SSL_REQUEST_CODE, SslReply } from '../protocol/codes';

/** What the server said to SSLRequest. */
export type SslAnswer = 'accepted' | 'refused';

/** SSLRequest: length 8, then the request code. */
export function sslRequestMessage(): Buffer {
  const message = Buffer.alloc(8);
  message.writeInt32BE(8, 0);
  message.writeInt32BE(SSL_REQUEST_CODE, 4);
  return message;
}

/**
 * Writes SSLRequest and reads exactly one reply byte, leaving any later bytes
 * unread in the socket.
 *
 * - 'S': emits `accepted`, unless more bytes were already sent: those were not
 *   encrypted, so a man-in-the-middle may have put them there (CVE-2021-23222).
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
          if (socket.readableLength > 0) {
            subscriber.error(
              new RxpgError(
                ErrorCode.SslInjection,
                'received unencrypted data after the SSL response',
                { hint: 'something between client and server is tampering with the connection' },
              ),
            );
            return;
          }
          subscriber.next('accepted');
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
    const stop = (): void => {
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };

    socket.on('readable', onReadable);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.write(sslRequestMessage());
    return stop;
  });
}
