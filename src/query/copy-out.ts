import { serialize } from 'pg-protocol';
import type { Subscriber } from 'rxjs';
import type { Request } from '../connection/request';
import { DatabaseError, ErrorCode, RxpgError } from '../errors';
import type { BackendMessage } from '../protocol/messages';

/**
 * `COPY ... TO STDOUT` with the simple protocol: each CopyData message goes to
 * the subscriber as it is read, one Buffer per message (a row, in the text and
 * CSV formats). A chunk is a view into the socket's buffer; copy it to keep
 * many small ones. Errors are reported at ReadyForQuery.
 * @internal
 */
export class CopyOut implements Request {
  readonly exclusive = true;
  /** The first failure; reported at ReadyForQuery. */
  private error: Error | undefined;

  constructor(
    private readonly sql: string,
    private readonly subscriber: Subscriber<Buffer>,
  ) {}

  start(): Buffer {
    return serialize.query(this.sql);
  }

  row(): void {
    this.error ??= notCopyTo('rows');
  }

  message(message: BackendMessage): Buffer | undefined {
    switch (message.name) {
      case 'copyData':
        if (this.error === undefined && !this.subscriber.closed)
          this.subscriber.next(message.chunk);
        return undefined;
      case 'copyOutResponse':
      case 'copyDone':
      case 'commandComplete':
      case 'emptyQuery':
        return undefined;
      case 'error':
        this.error ??= new DatabaseError(message.fields, this.sql);
        return undefined;
      case 'copyInResponse':
        this.error ??= notCopyTo('COPY FROM STDIN');
        return serialize.copyFail('copyTo() sends no data; use copyFrom()');
      case 'rowDescription':
        this.error ??= notCopyTo('rows');
        return undefined;
      default:
        this.error ??= new RxpgError(
          ErrorCode.ProtocolViolation,
          `unexpected ${message.name} message in COPY TO STDOUT`,
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

function notCopyTo(what: string): RxpgError {
  return new RxpgError(ErrorCode.NotSupported, `copyTo() got ${what}; it runs COPY ... TO STDOUT`, {
    hint: 'use query() for SELECT, copyFrom() for COPY ... FROM STDIN',
  });
}
