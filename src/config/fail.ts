/**
 * The two kinds of error that parsing connection parameters can raise.
 * @internal
 */
import { ErrorCode, RxpgError } from '../errors';

/** A parameter is unknown, malformed, or contradicts another one. */
export function invalidConfig(message: string, hint?: string): RxpgError {
  return new RxpgError(ErrorCode.InvalidConfig, message, hint === undefined ? {} : { hint });
}

/** A libpq parameter or value that rxpg recognises but does not implement. */
export function notSupported(message: string, hint?: string): RxpgError {
  return new RxpgError(ErrorCode.NotSupported, message, hint === undefined ? {} : { hint });
}
