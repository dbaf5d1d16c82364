import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { catchError, defer, Observable, of, switchMap, tap, throwError, timeout } from 'rxjs';
import type { ConnectConfig, HostTarget } from '../config/types';
import { ErrorCode, RxpgError } from '../errors';
import { AttemptFailure, type AttemptStage } from './attempt-failure';
import type { TransportInfo } from './authenticate';
import type { Session } from './session';
import { describeTarget, isUnixSocket, openSocket } from './socket';
import { requestSsl } from './ssl-request';
import { startSession, type SessionOptions } from './startup';
import { tlsOptions } from './tls-options';
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

const ALPN_POSTGRESQL = 'postgresql';

/**
 * The connection pipeline: every host in turn, each with libpq's second
 * attempts for its sslmode, until one yields an authenticated {@link Session}.
 * Errors after a session was emitted are never retried.
 */
export function establish(config: ConnectConfig, options: SessionOptions): Observable<Session> {
  const attempts = orderHosts(config).map((target) => () => onTarget(config, target, options));
  const tryFrom = (index: number): Observable<Session> =>
    orElse(attempts[index](), () => (index + 1 < attempts.length ? tryFrom(index + 1) : undefined));
  return tryFrom(0).pipe(
    catchError((error: unknown) =>
      throwError(() => (error instanceof AttemptFailure ? error.error : error)),
    ),
  );
}

/** The hosts in the order they are tried: as given, or shuffled (load_balance_hosts=random). */
function orderHosts(config: ConnectConfig): HostTarget[] {
  const hosts = [...config.hosts];
  if (config.loadBalanceHosts === 'random') {
    for (let i = hosts.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [hosts[i], hosts[j]] = [hosts[j], hosts[i]];
    }
  }
  return hosts;
}

/** The attempts libpq makes on one host for the config's sslmode. */
function onTarget(
  config: ConnectConfig,
  target: HostTarget,
  options: SessionOptions,
): Observable<Session> {
  const attempt = (encryption: Encryption): Observable<Session> =>
    attemptOnce(config, target, options, encryption);
  if (isUnixSocket(target)) return attempt('plain');
  if (config.sslnegotiation === 'direct') return attempt('direct');
  switch (config.sslmode) {
    case 'disable':
      return attempt('plain');
    case 'allow':
      // Plaintext first; if the server turns it away during authentication, try TLS on a new socket.
      return orElse(attempt('plain'), (failure) =>
        failure.stage === 'authentication' ? attempt('require') : undefined,
      );
    case 'prefer':
      // TLS first; if the handshake fails, or the server turns the TLS session away during
      // authentication (e.g. a hostnossl rule), try plaintext on a new socket.
      return orElse(attempt('prefer'), (failure) =>
        failure.stage === 'tls' || (failure.stage === 'authentication' && failure.encrypted)
          ? attempt('plain')
          : undefined,
      );
    default:
      return attempt('require');
  }
}

/** One socket: open, encrypt as asked, start the session. */
function attemptOnce(
  config: ConnectConfig,
  target: HostTarget,
  options: SessionOptions,
  encryption: Encryption,
): Observable<Session> {
  const session$ = openSocket(config, target).pipe(
    failedAt('socket', false),
    switchMap((socket) => secure(socket, config, target, encryption)),
    switchMap(({ stream, transport }) => startSession(stream, config, target, transport, options)),
  );
  const seconds = config.connectTimeout;
  if (seconds === undefined || seconds <= 0) return session$;
  // libpq 18 applies the timeout to each attempt, with no minimum (older releases had 2 s).
  const limit = seconds * 1000;
  return session$.pipe(
    timeout({
      first: limit,
      with: () =>
        throwError(
          () =>
            new AttemptFailure(
              new RxpgError(
                ErrorCode.Timeout,
                `timeout expired connecting to ${describeTarget(target)}`,
              ),
              'socket',
              false,
            ),
        ),
    }),
  );
}

function secure(
  socket: Socket,
  config: ConnectConfig,
  target: HostTarget,
  encryption: Encryption,
): Observable<SecuredStream> {
  const plain: SecuredStream = { stream: socket, transport: { encrypted: false } };
  switch (encryption) {
    case 'plain':
      return of(plain);
    case 'direct':
      return withTls(socket, config, target, ALPN_POSTGRESQL);
    case 'prefer':
    case 'require':
      return requestSsl(socket).pipe(
        failedAt('negotiation', false),
        switchMap((answer) => {
          if (answer === 'accepted') return withTls(socket, config, target);
          if (encryption === 'prefer') return of(plain);
          return throwError(
            () =>
              new AttemptFailure(
                new RxpgError(
                  ErrorCode.SslRequired,
                  'server does not support SSL, but SSL was required',
                  {
                    hint: 'enable ssl on the server, or use a weaker sslmode if you trust the network',
                  },
                ),
                'negotiation',
                false,
              ),
          );
        }),
      );
  }
}

function withTls(
  socket: Socket,
  config: ConnectConfig,
  target: HostTarget,
  alpn?: string,
): Observable<SecuredStream> {
  return defer(() => upgradeToTls(socket, tlsOptions(config, target), alpn)).pipe(
    failedAt('tls', false),
    switchMap((tls) => {
      const certificate = tls.getPeerCertificate();
      const peerCertificate = certificate.raw instanceof Buffer ? certificate.raw : undefined;
      return of<SecuredStream>({ stream: tls, transport: { encrypted: true, peerCertificate } });
    }),
  );
}

/** Marks errors of a step (not already marked by a later one) with where they happened. */
function failedAt<T>(stage: AttemptStage, encrypted: boolean) {
  return catchError<T, Observable<never>>((error: unknown) =>
    throwError(() =>
      error instanceof AttemptFailure
        ? error
        : new AttemptFailure(
            error instanceof Error ? error : new Error(String(error)),
            stage,
            encrypted,
          ),
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
