import { serialize } from 'pg-protocol';
import type { Subscriber } from 'rxjs';
import type { Request } from '../connection/request';
import { DatabaseError, ErrorCode, RxpgError } from '../errors';
import type { BackendMessage, TransactionStatus } from '../protocol/messages';
import { RowDecoder } from './columns';
import { encodeParameter, MAX_PARAMETERS } from './params';
import { decodeFailure } from './simple-query';
import type { PreparedStatement, StatementCache } from './statement-cache';
import type { TypeParsers } from './types';

/** SQLSTATEs after which a cached statement is prepared again instead of failing. */
const RE_PREPARE = new Set([
  '0A000', // feature_not_supported: "cached plan must not change result type"
  '26000', // invalid_sql_statement_name: the statement is gone (DISCARD ALL, DEALLOCATE)
]);

/**
 * An extended-protocol execution: Parse (unless cached), Bind with every
 * parameter bound, Execute, Sync. Rows stream to the subscriber; the error, if
 * any, is reported at ReadyForQuery.
 * @internal
 */
export class ExtendedQuery<T> implements Request {
  private decoder: RowDecoder | undefined;
  private error: Error | undefined;
  /** The cached statement this execution uses, if the cache is on. */
  private statement: PreparedStatement | undefined;
  private rowsEmitted = false;
  /** One second chance after a cached statement went stale. */
  private retried = false;
  /** True when this execution skipped Parse: only then can its statement be stale. */
  private reused = false;

  constructor(
    private readonly sql: string,
    private readonly params: readonly unknown[],
    private readonly subscriber: Subscriber<T>,
    private readonly types: TypeParsers | undefined,
    private readonly cache: StatementCache | undefined,
  ) {}

  start(): Buffer {
    this.decoder = undefined;
    this.error = undefined;
    if (this.params.length > MAX_PARAMETERS) {
      throw new RxpgError(
        ErrorCode.InvalidParameter,
        `${this.params.length} parameters given; a statement takes at most ${MAX_PARAMETERS}`,
      );
    }
    const values = this.params.map(encodeParameter);
    const cache = this.cache;
    if (cache === undefined) return this.unnamed(values);

    // Evicted statements are closed ahead of this request's own messages.
    const closing = (): Buffer[] =>
      cache.takeClosing().map((name) => serialize.close({ type: 'S', name }));
    const cached = cache.get(this.sql);
    if (
      cached !== undefined &&
      (cached.fields === undefined || cached.parameterCount === undefined)
    ) {
      // Prepared by a request still in flight (pipelining): run unnamed rather than race it.
      return Buffer.concat([...closing(), this.unnamed(values)]);
    }
    if (cached !== undefined) {
      if (cached.fields === undefined || cached.parameterCount !== values.length) {
        throw new RxpgError(
          ErrorCode.InvalidParameter,
          `statement takes ${cached.parameterCount} parameters but ${values.length} were given`,
        );
      }
      this.statement = cached;
      this.reused = true;
      this.decoder = RowDecoder.for(cached.fields, this.types);
      return Buffer.concat([...closing(), ...this.execute(cached.name, values)]);
    }
    const statement = cache.add(this.sql);
    this.statement = statement;
    this.reused = false;
    return Buffer.concat([
      ...closing(),
      serialize.parse({ name: statement.name, text: this.sql }),
      serialize.describe({ type: 'S', name: statement.name }),
      ...this.execute(statement.name, values),
    ]);
  }

  private unnamed(values: (string | Buffer | null)[]): Buffer {
    return Buffer.concat([
      serialize.parse({ text: this.sql }),
      serialize.describe({ type: 'S' }),
      ...this.execute('', values),
    ]);
  }

  private execute(statement: string, values: (string | Buffer | null)[]): Buffer[] {
    return [serialize.bind({ statement, values }), serialize.execute({}), serialize.sync()];
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
    this.rowsEmitted = true;
    this.subscriber.next(row);
  }

  message(message: BackendMessage): Buffer | undefined {
    switch (message.name) {
      case 'parseComplete':
        if (this.statement !== undefined) this.statement.parsed = true;
        return undefined;
      case 'parameterDescription':
        if (this.statement !== undefined) this.statement.parameterCount = message.typeIds.length;
        return undefined;
      case 'rowDescription':
        if (this.statement !== undefined) this.statement.fields = message.fields;
        this.decoder = RowDecoder.for(message.fields, this.types);
        return undefined;
      case 'noData':
        if (this.statement !== undefined) this.statement.fields = [];
        return undefined;
      case 'bindComplete':
      case 'closeComplete':
      case 'commandComplete':
      case 'emptyQuery':
        return undefined;
      case 'error':
        this.error ??= new DatabaseError(message.fields, this.sql);
        return undefined;
      case 'copyInResponse':
        return serialize.copyFail('COPY FROM STDIN is not supported here; use copyFrom()');
      default:
        this.error ??= new RxpgError(
          ErrorCode.ProtocolViolation,
          `unexpected ${message.name} message in an extended query`,
        );
        return undefined;
    }
  }

  /** Returns true to be run again: the cached statement was stale and nothing was emitted. */
  done(status: TransactionStatus): boolean {
    const error = this.error;
    if (error === undefined) {
      this.subscriber.complete();
      return false;
    }
    const statement = this.statement;
    if (statement !== undefined && this.cache !== undefined) {
      const stale = this.reused && error instanceof DatabaseError && RE_PREPARE.has(error.code);
      if (stale && error.code === '26000') this.cache.forgetAll();
      // A statement that failed to prepare, or went stale, must not be reused.
      if (stale || statement.fields === undefined) this.cache.remove(this.sql);
      // Inside a failed transaction a retry could only fail again: the error must surface.
      if (stale && status !== 'E' && !this.retried && !this.rowsEmitted) {
        this.retried = true;
        return true;
      }
    }
    this.subscriber.error(error);
    return false;
  }

  failed(error: Error): void {
    this.subscriber.error(error);
  }
}
