import { serialize } from 'pg-protocol';
import type { Subscriber } from 'rxjs';
import type { Request } from '../connection/request';
import { DatabaseError, ErrorCode, RxpgError } from '../errors';
import type { BackendMessage } from '../protocol/messages';
import { RowDecoder } from './columns';
import type { TypeParsers } from './types';

/** Per-query options, the optional last argument of the query methods. */
export interface QueryOptions {
  /** Parsers by type OID, over the connection's own. */
  readonly types?: TypeParsers;
}

/**
 * A simple-protocol Query: every statement's rows go to the subscriber; the
 * first error ends it (the server skips the remaining statements) and is
 * reported once ReadyForQuery says the connection is free again.
 * @internal
 */
export class SimpleQuery<T> implements Request {
  /** The decoder of the result being received. */
  private decoder: RowDecoder | undefined;
  /** The first failure; reported at ReadyForQuery. */
  private error: Error | undefined;

  constructor(
    private readonly sql: string,
    private readonly subscriber: Subscriber<T>,
    private readonly types: TypeParsers | undefined,
  ) {}

  start(): Buffer {
    return serialize.query(this.sql);
  }

  row(buffer: Buffer, start: number, end: number): void {
    if (this.error !== undefined || this.subscriber.closed) return;
    if (this.decoder === undefined) {
      this.error = new RxpgError(ErrorCode.ProtocolViolation, 'data row without a row description');
      return;
    }
    let row: T;
    try {
      row = this.decoder.decode(buffer, start, end) as T;
    } catch (cause) {
      this.error = decodeFailure(cause);
      return;
    }
    this.subscriber.next(row);
  }

  message(message: BackendMessage): Buffer | undefined {
    switch (message.name) {
      case 'rowDescription':
        this.decoder = RowDecoder.for(message.fields, this.types);
        return undefined;
      case 'commandComplete':
      case 'emptyQuery':
        this.decoder = undefined;
        return undefined;
      case 'error':
        this.error ??= new DatabaseError(message.fields, this.sql);
        return undefined;
      case 'copyInResponse':
        // query() has no data to send; the server answers CopyFail with an error.
        return serialize.copyFail('COPY FROM STDIN is not supported by query(); use copyFrom()');
      case 'copyOutResponse':
      case 'copyData':
      case 'copyDone':
        this.error ??= new RxpgError(
          ErrorCode.NotSupported,
          'COPY TO STDOUT is not supported by query(); use copyTo()',
        );
        return undefined;
      default:
        this.error ??= new RxpgError(
          ErrorCode.ProtocolViolation,
          `unexpected ${message.name} message in a simple query`,
        );
        return undefined;
    }
  }

  done(): void {
    if (this.error !== undefined) this.subscriber.error(this.error);
    else this.subscriber.complete();
  }

  failed(error: Error): void {
    this.subscriber.error(error);
  }
}

/** A value that could not be decoded (too large for a string, a throwing parser). */
export function decodeFailure(cause: unknown): RxpgError {
  if (cause instanceof RxpgError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new RxpgError(ErrorCode.DecodeFailed, `could not decode a value: ${message}`, { cause });
}
