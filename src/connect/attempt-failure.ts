/**
 * What libpq does after an attempt failed (fe-connect.c):
 * - `next-host`: the server could not be reached (refused, unreachable, connect_timeout, or
 *   57P03 "cannot connect now"): try the next host, if any;
 * - `next-encryption`: TLS could not be set up (handshake, certificates, client key), or the
 *   server answered the startup with an ErrorResponse before AuthenticationOk: try the
 *   sslmode's other encryption on a new socket (prefer: plaintext after TLS; allow: TLS after
 *   plaintext), and give up when there is none;
 * - `give-up`: anything else, including every refusal made by the client itself: no further
 *   attempt on this host or any other.
 */
export type Recovery = 'next-host' | 'next-encryption' | 'give-up';

/** The encryption an attempt was using when it failed. */
export type AttemptMethod = 'tls' | 'plain';

/**
 * A failed attempt, with what libpq would do next and the encryption in use.
 * Internal: the pipeline unwraps it before anything reaches the user.
 * @internal
 */
export class AttemptFailure extends Error {
  constructor(
    readonly error: Error,
    readonly recovery: Recovery,
    readonly method: AttemptMethod,
  ) {
    super(error.message);
  }
}
