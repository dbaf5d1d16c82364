import {
  defaultIfEmpty,
  defer,
  from,
  map,
  type Observable,
  of,
  take,
  catchError,
  throwError,
} from 'rxjs';
import type { ConnectionParameters } from '../config';
import { ErrorCode, RxpgError } from '../errors';

/**
 * A password obtained anew for every connection, such as a short-lived cloud
 * token: a function returning the password, a Promise of it, or an Observable
 * whose first value is it.
 */
export type PasswordSource = () => string | PromiseLike<string> | Observable<string>;

/** libpq's connection parameters, with a password that may be a {@link PasswordSource}. */
export type ConnectParameters = Omit<ConnectionParameters, 'password'> & {
  readonly password?: ConnectionParameters['password'] | PasswordSource;
};

/** The parameters with a password function left out: what can be checked before connecting. */
export function withoutPasswordSource(
  config: string | ConnectParameters | undefined,
): string | ConnectionParameters | undefined {
  if (typeof config !== 'object' || typeof config.password !== 'function') {
    return config as string | ConnectionParameters | undefined;
  }
  const rest: Record<string, unknown> = { ...config };
  delete rest.password;
  return rest as ConnectionParameters;
}

/**
 * The parameters for one connection: a password function is called now, once
 * per connection, and its answer put in its place.
 */
export function resolvePassword(
  config: string | ConnectParameters | undefined,
): Observable<string | ConnectionParameters | undefined> {
  if (typeof config !== 'object' || typeof config.password !== 'function') {
    return of(config as string | ConnectionParameters | undefined);
  }
  const source = config.password;
  const rest = withoutPasswordSource(config) as ConnectionParameters;
  return defer(() => {
    const answer = source();
    // from() would emit a string's characters one by one.
    return typeof answer === 'string' ? of(answer) : from(answer);
  }).pipe(
    take(1),
    defaultIfEmpty(undefined),
    map((password) => {
      if (typeof password !== 'string') {
        throw new RxpgError(ErrorCode.PasswordSourceFailed, 'the password function gave no string');
      }
      return { ...rest, password };
    }),
    catchError((cause: unknown) =>
      throwError(() =>
        cause instanceof RxpgError
          ? cause
          : new RxpgError(ErrorCode.PasswordSourceFailed, 'the password function failed', {
              cause,
            }),
      ),
    ),
  );
}
