import { map, Observable, of } from 'rxjs';
import type { Session } from '../connect/session';
import type { TargetSessionAttrs } from '../config/types';
import type { Connection } from './connection';

/** What a session is, as far as target_session_attrs cares. */
export interface SessionKind {
  readonly readOnly: boolean;
  readonly hotStandby: boolean;
}

/** The attributes checked in one pass over the hosts ('prefer-standby' is two passes). */
export type Wanted = Exclude<TargetSessionAttrs, 'any' | 'prefer-standby'>;

/**
 * The kind of server, from the parameters PostgreSQL 14+ reports at startup, or else by a
 * query: `show transaction_read_only` for read-write/read-only, `pg_is_in_recovery()` for
 * primary/standby, the queries libpq sends.
 * @internal
 */
export function kindOf(
  session: Session,
  connection: Connection,
  wanted: Wanted,
): Observable<SessionKind> {
  const hotStandby = session.parameters.get('in_hot_standby');
  const readOnlyDefault = session.parameters.get('default_transaction_read_only');
  const aboutWrites = wanted === 'read-write' || wanted === 'read-only';
  // primary and standby need only in_hot_standby; read-write and read-only need both.
  if (hotStandby !== undefined && (readOnlyDefault !== undefined || !aboutWrites)) {
    const standby = hotStandby === 'on';
    return of({ hotStandby: standby, readOnly: standby || readOnlyDefault === 'on' });
  }
  if (aboutWrites) {
    return single(
      connection.query<{ transaction_read_only: string }>('show transaction_read_only'),
    ).pipe(map((row) => ({ readOnly: row.transaction_read_only === 'on', hotStandby: false })));
  }
  return single(
    connection.query<{ recovery: boolean }>('select pg_catalog.pg_is_in_recovery() as recovery'),
  ).pipe(map((row) => ({ hotStandby: row.recovery, readOnly: row.recovery })));
}

/** libpq's words for a server that does not match, or undefined when it does. @internal */
export function refusal(kind: SessionKind, wanted: Wanted): string | undefined {
  switch (wanted) {
    case 'read-write':
      return kind.readOnly ? 'session is read-only' : undefined;
    case 'read-only':
      return kind.readOnly ? undefined : 'session is not read-only';
    case 'primary':
      return kind.hotStandby ? 'server is in hot standby mode' : undefined;
    case 'standby':
      return kind.hotStandby ? undefined : 'server is not in hot standby mode';
    default: {
      const unknown: never = wanted;
      return unknown;
    }
  }
}

/** The one row of a check query, or an error if there is none. */
function single<T>(rows$: Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    let row: { value: T } | undefined;
    return rows$.subscribe({
      next: (value) => {
        row ??= { value };
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => {
        if (row === undefined) subscriber.error(new Error('the check query returned no row'));
        else {
          subscriber.next(row.value);
          subscriber.complete();
        }
      },
    });
  });
}
