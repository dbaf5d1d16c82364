import { serialize } from 'pg-protocol';
import type { Request } from '../connection/request';
import { DatabaseError, ErrorCode, RxpgError } from '../errors';
import type { BackendMessage } from '../protocol/messages';
import type { QueryOptions } from './query-options';
import type { QueryOutput } from './query-output';
import { asError, RowReader } from './row-reader';

export type { QueryOptions } from './query-options';

/**
 * A simple-protocol Query: the results of every statement go to the output,
 * in order. A server error ends it (the server skips the remaining statements)
 * and is reported once ReadyForQuery says the connection is free again; a
 * failure of the client's own (a value it cannot decode, an `onColumns` that
 * throws) is reported at once, which withdraws the query from the server.
 * @internal
 */
export class SimpleQuery implements Request {
  private readonly reader: RowReader;
  /** The first server error; reported at ReadyForQuery. */
  private error: Error | undefined;

  constructor(
    private readonly sql: string,
    private readonly output: QueryOutput,
    options: QueryOptions,
  ) {
    this.reader = new RowReader(options);
  }

  start(): Buffer {
    return serialize.query(this.sql);
  }

  row(buffer: Buffer, start: number, end: number): void {
    if (this.error !== undefined || this.output.closed) return;
    this.reader.deliver(this.output, buffer, start, end);
  }

  message(message: BackendMessage): Buffer | undefined {
    switch (message.name) {
      case 'rowDescription':
        if (this.error !== undefined || this.output.closed) return undefined;
        try {
          this.output.columns(this.reader.describe(message.fields));
        } catch (error) {
          this.output.end(asError(error));
        }
        return undefined;
      case 'commandComplete':
        this.reader.reset();
        if (this.error === undefined && !this.output.closed) this.output.complete(message.tag);
        return undefined;
      case 'emptyQuery':
        this.reader.reset();
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
    this.output.end(this.error);
  }

  failed(error: Error): void {
    // A server error that came just before the socket closed (FATAL 57P01 from a terminated
    // backend) says more than "connection closed".
    this.output.end(this.error instanceof DatabaseError ? this.error : error);
  }
}
