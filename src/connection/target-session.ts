import { catchError, defer, Observable, switchMap, tap, throwError } from 'rxjs';
import type { Session } from '../connect/session';
import { describeTarget } from '../connect/socket';
import { orderHosts } from '../config/host-order';
import type { ConnectConfig, HostTarget, TargetSessionAttrs } from '../config/types';
import { DatabaseError, ErrorCode, RxpgError } from '../errors';
import type { Connection } from './connection';
import { kindOf, refusal, type Wanted } from './session-kind';

/** A session that does not have the attributes asked for; the next host is tried. */
class Mismatch extends Error {
  constructor(
    readonly target: HostTarget,
    reason: string,
  ) {
    super(`${describeTarget(target)}: ${reason}`);
  }
}

/**
 * Applies target_session_attrs as libpq 14+ does, above the connection pipeline. `establish`
 * tries the hosts it is given in order and emits the first session it gets; `open` turns a
 * session into a live Connection. A session whose server does not match is closed and the
 * hosts after it are tried; `prefer-standby` settles for any host in a second pass when no
 * standby was found. The hosts are shuffled here, once, for load_balance_hosts=random, so that
 * no host is tried twice in a pass.
 * @internal
 */
export function withTargetSession(
  config: ConnectConfig,
  establish: (config: ConnectConfig) => Observable<Session>,
  open: (session: Session) => Observable<Connection>,
): Observable<Connection> {
  const attrs = config.targetSessionAttrs;
  if (attrs === 'any') return establish(config).pipe(switchMap(open));
  return defer(() => {
    const hosts = orderHosts(config);
    /** Why each host so far was not good enough, for the error if none is. */
    const failures: string[] = [];
    /** Set once a connection was handed on: its later end is the user's, passed on as it is. */
    let emitted = false;
    const pass = (wanted: Wanted | undefined, from: number): Observable<Connection> => {
      const rest = { ...config, hosts: hosts.slice(from), loadBalanceHosts: 'disable' as const };
      return establish(rest).pipe(
        switchMap((session) => checked(session, open(session), wanted)),
        tap(() => {
          emitted = true;
        }),
        catchError((error: unknown) => {
          if (emitted) return throwError(() => error);
          if (!(error instanceof Mismatch)) return throwError(() => finalError(error, failures));
          failures.push(error.message);
          const next = hosts.indexOf(error.target, from) + 1;
          if (next > 0 && next < hosts.length) return pass(wanted, next);
          // libpq's second pass of prefer-standby: no standby answered, so any server will do.
          if (attrs === 'prefer-standby' && wanted !== undefined) return pass(undefined, 0);
          return throwError(() => noMatch(attrs, failures));
        }),
      );
    };
    return pass(attrs === 'prefer-standby' ? 'standby' : attrs, 0);
  });
}

/**
 * The connection of `session` once its server was found to match `wanted` (always, when
 * undefined); a {@link Mismatch} error otherwise, which closes the connection.
 */
function checked(
  session: Session,
  connection$: Observable<Connection>,
  wanted: Wanted | undefined,
): Observable<Connection> {
  if (wanted === undefined) return connection$;
  return new Observable<Connection>((subscriber) => {
    let check: { unsubscribe(): void } | undefined;
    const opened = connection$.subscribe({
      next: (connection) => {
        check = kindOf(session, connection, wanted).subscribe({
          next: (kind) => {
            const reason = refusal(kind, wanted);
            if (reason === undefined) subscriber.next(connection);
            else subscriber.error(new Mismatch(session.target, reason));
          },
          // libpq moves on to the next host when its check query fails, too.
          error: (error: unknown) =>
            subscriber.error(new Mismatch(session.target, messageOf(error))),
        });
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    return () => {
      check?.unsubscribe();
      opened.unsubscribe();
    };
  });
}

/**
 * A failure on the way: a server's refusal (a wrong password, say) ends the attempt as it is,
 * as libpq does; a host that could not be reached after others did not match is reported with
 * them, so that the user sees why no host was good enough.
 */
function finalError(error: unknown, failures: readonly string[]): unknown {
  if (failures.length === 0 || error instanceof DatabaseError) return error;
  if (!(error instanceof RxpgError) || !UNREACHABLE.has(error.code)) return error;
  return new RxpgError(ErrorCode.ConnectFailed, `${failures.join('; ')}; ${error.message}`, {
    cause: error,
    hint: error.hint,
  });
}

/** Codes of a host that could not be reached: the others may still be worth reporting. */
const UNREACHABLE = new Set<string>([
  ErrorCode.ConnectFailed,
  ErrorCode.Timeout,
  ErrorCode.ConnectionClosed,
]);

function noMatch(attrs: TargetSessionAttrs, failures: readonly string[]): RxpgError {
  const kind = attrs === 'prefer-standby' ? 'standby' : attrs;
  return new RxpgError(
    ErrorCode.ConnectFailed,
    `could not make a ${kind} connection to any server: ${failures.join('; ')}`,
    { hint: 'check which of the hosts is the primary, or relax target_session_attrs' },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
