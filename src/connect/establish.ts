import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { catchError, defer, Observable, of, switchMap, tap, throwError, timeout } from 'rxjs';

import { orderHosts } from '../config/host-order';
import type { ConnectConfig, HostTarget } from '../config/types';
import { ErrorCode, RxpgError } from '../errors';
import { AttemptFailure, type AttemptMethod, type Recovery } from './attempt-failure';
import type { TransportInfo } from './authenticate';
import type { Session } from './session';
import { describeTarget, isUnixSocket, openSocket } from './socket';
import { injectedBytesError, requestSsl } from './ssl-request';
import { startSession, type SessionOptions } from './startup';
import { ALPN_POSTGRESQL, tlsOptions } from './tls-options';
import { tlsMaterial, type TlsMaterial } from './tls-material';
import { upgradeToTls } from './tls-upgrade';

/**
 * How one attempt encrypts:
 * - `plain`: no SSLRequest (sslmode disable, allow's first try, Unix sockets);
 * - `prefer`: SSLRequest, and plaintext on the same socket if the server says 'N';
 * - `require`: SSLRequest, and 'N' is an error;
 * - `direct`: TLS from the first byte, ALPN `postgresql` (sslnegotiation=direct).
 */
type Encryption = 'plain' | 'prefer' | 'require' | 'direct';

/** An open stream with what startup needs to know about it. */
interface SecuredStream {
  readonly stream: Duplex;
  readonly transport: TransportInfo;
}

/** What one attempt needs besides its encryption. */
interface AttemptContext {
  readonly config: ConnectConfig;
  readonly target: HostTarget;
  readonly options: SessionOptions;
  readonly material: TlsMaterial | undefined;
}

/**
 * The connection pipeline: the hosts in turn, each with libpq's second attempt for its
 * sslmode, until one yields an authenticated {@link Session}. As in libpq, the next host is
 * tried only when this one could not be reached; a server that refused the session, or a
 * refusal by the client itself (certificate, channel binding, require_auth), ends the whole
 * connection attempt. Errors after a session was emitted are never retried.
 */
export function establish(config: ConnectConfig, options: SessionOptions): Observable<Session> {
  return defer(() => {
    const material = tlsMaterial(options.tls);
    const hosts = orderHosts(config);
    const tryFrom = (index: number): Observable<Session> =>
      orElse(onTarget({ config, target: hosts[index], options, material }), (failure) =>
        failure.recovery === 'next-host' && index + 1 < hosts.length
          ? tryFrom(index + 1)
          : undefined,
      );
    return tryFrom(0);
  }).pipe(
    catchError((error: unknown) =>
      throwError(() => (error instanceof AttemptFailure ? error.error : error)),
    ),
  );
}

/** The attempts libpq makes on one host for the config's sslmode, within connect_timeout. */
function onTarget(context: AttemptContext): Observable<Session> {
  const attempt = (encryption: Encryption): Observable<Session> => attemptOnce(context, encryption);
  return withConnectTimeout(context, () => {
    if (isUnixSocket(context.target)) return attempt('plain');
    if (context.config.sslnegotiation === 'direct') return attempt('direct');
    switch (context.config.sslmode) {
      case 'disable':
        return attempt('plain');
      case 'allow':
        // Plaintext first; if TLS-less startup is turned away by the server, TLS on a new socket.
        return orElse(attempt('plain'), (failure) =>
          failure.recovery === 'next-encryption' ? attempt('require') : undefined,
        );
      case 'prefer':
        // TLS first; if TLS cannot be set up, or the server turns the TLS session away (say a
        // hostnossl rule), plaintext on a new socket. Not after 'N': that session was plaintext.
        return orElse(attempt('prefer'), (failure) =>
          failure.recovery === 'next-encryption' && failure.method === 'tls'
            ? attempt('plain')
            : undefined,
        );
      default:
        return attempt('require');
    }
  });
}

/**
 * libpq 18 gives each host connect_timeout seconds, with no minimum (older releases had 2 s),
 * for all its attempts together; when it runs out, the next host is tried.
 */
function withConnectTimeout(
  { config, target }: AttemptContext,
  attempts: () => Observable<Session>,
): Observable<Session> {
  const seconds = config.connectTimeout;
  if (seconds === undefined || seconds <= 0) return defer(attempts);
  return defer(attempts).pipe(
    timeout({
      first: seconds * 1000,
      with: () =>
        throwError(() =>
          failure(
            new RxpgError(
              ErrorCode.Timeout,
              `timeout expired connecting to ${describeTarget(target)}`,
            ),
            'next-host',
            'plain',
          ),
        ),
    }),
  );
}

/** One socket: open, encrypt as asked, start the session. */
function attemptOnce(context: AttemptContext, encryption: Encryption): Observable<Session> {
  const { config, target, options } = context;
  return openSocket(config, target).pipe(
    failedWith('next-host', 'plain'),
    switchMap((socket) => secure(socket, context, encryption)),
    switchMap(({ stream, transport }) => startSession(stream, config, target, transport, options)),
  );
}

function secure(
  socket: Socket,
  context: AttemptContext,
  encryption: Encryption,
): Observable<SecuredStream> {
  const plain: SecuredStream = { stream: socket, transport: { encrypted: false } };
  switch (encryption) {
    case 'plain':
      return of(plain);
    case 'direct':
      return withTls(socket, context, false);
    case 'prefer':
    case 'require':
      return requestSsl(socket).pipe(
        // No answer, 'E' or an unknown byte: libpq gives up, whatever the sslmode.
        failedWith('give-up', 'tls'),
        switchMap((answer) => {
          if (answer !== 'refused') return withTls(socket, context, answer === 'injected');
          if (encryption === 'prefer') return of(plain);
          return throwError(() =>
            failure(
              new RxpgError(
                ErrorCode.SslRequired,
                'server does not support SSL, but SSL was required',
                {
                  hint: 'enable ssl on the server, or use a weaker sslmode if you trust the network',
                },
              ),
              'give-up',
              'tls',
            ),
          );
        }),
      );
  }
}

/**
 * The TLS handshake. A failure here, including files that cannot be used, is a failed
 * handshake for libpq (the sslmode may try plaintext next). Bytes injected after 'S' fail
 * only once the handshake succeeded, as in libpq, and then for good.
 */
function withTls(
  socket: Socket,
  context: AttemptContext,
  injected: boolean,
): Observable<SecuredStream> {
  const { config, target, material } = context;
  const alpn = config.sslnegotiation === 'direct' ? ALPN_POSTGRESQL : undefined;
  return defer(() => upgradeToTls(socket, tlsOptions(config, target, material), alpn)).pipe(
    failedWith('next-encryption', 'tls'),
    switchMap((tls) => {
      if (injected) return throwError(() => failure(injectedBytesError(), 'give-up', 'tls'));
      // The X509Certificate form: its raw bytes without every field turned into objects.
      const peerCertificate = tls.getPeerX509Certificate()?.raw;
      return of<SecuredStream>({ stream: tls, transport: { encrypted: true, peerCertificate } });
    }),
  );
}

function failure(error: Error, recovery: Recovery, method: AttemptMethod): AttemptFailure {
  return new AttemptFailure(error, recovery, method);
}

/** Marks errors of a step (not already marked by a later one) with what libpq does next. */
function failedWith<T>(recovery: Recovery, method: AttemptMethod) {
  return catchError<T, Observable<never>>((error: unknown) =>
    throwError(() =>
      error instanceof AttemptFailure
        ? error
        : failure(error instanceof Error ? error : new Error(String(error)), recovery, method),
    ),
  );
}

/**
 * `first`, and if it fails before emitting and `next` offers a second attempt,
 * that attempt. A failure after `first` emitted is passed on untouched.
 */
function orElse<T>(
  first: Observable<T>,
  next: (failure: AttemptFailure) => Observable<T> | undefined,
): Observable<T> {
  return defer(() => {
    let emitted = false;
    return first.pipe(
      tap(() => {
        emitted = true;
      }),
      catchError((error: unknown) => {
        const second = !emitted && error instanceof AttemptFailure ? next(error) : undefined;
        return second ?? throwError(() => error);
      }),
    );
  });
}
