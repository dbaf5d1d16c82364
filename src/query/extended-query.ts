import { serialize } from 'pg-protocol';
import type { Request } from '../connection/request';
import { DatabaseError, ErrorCode, RxpgError } from '../errors';
import type { BackendMessage, FieldDescription, TransactionStatus } from '../protocol/messages';
import { bindExecuteSync } from './bind';
import { encodeParameter, MAX_PARAMETERS } from './params';
import type { QueryOptions } from './query-options';
import type { QueryOutput } from './query-output';
import { asError, RowReader } from './row-reader';
import type { PreparedStatement, StatementCache } from './statement-cache';

/** SQLSTATEs after which a cached statement is prepared again instead of failing. */
const RE_PREPARE = new Set([
  '0A000', // feature_not_supported: "cached plan must not change result type"
  '26000', // invalid_sql_statement_name: the statement is gone (DISCARD ALL, DEALLOCATE)
]);

/** protocol_violation: what the server answers a Bind with the wrong number of parameters. */
const PROTOCOL_VIOLATION = '08P01';

/**
 * An extended-protocol execution: Parse (unless cached), Bind with every
 * parameter bound, Execute, Sync. Rows stream to the output; a server error
 * is reported at ReadyForQuery, a failure of the client's own at once.
 * @internal
 */
export class ExtendedQuery implements Request {
  private readonly reader: RowReader;
  private error: Error | undefined;
  /** The cached statement this execution uses, if the cache is on. */
  private statement: PreparedStatement | undefined;
  /** The columns of the statement, from its description; empty when it returns no rows. */
  private fields: readonly FieldDescription[] | undefined;
  /** How many parameters the server says the statement takes (ParameterDescription). */
  private parameterCount: number | undefined;
  /** True once anything reached the output: a retry would repeat it. */
  private delivered = false;
  /** One second chance after a cached statement went stale. */
  private retried = false;
  /** True when this execution skipped Parse: only then can its statement be stale. */
  private reused = false;

  constructor(
    private readonly sql: string,
    private readonly params: readonly unknown[],
    private readonly output: QueryOutput,
    options: QueryOptions,
    private readonly cache: StatementCache | undefined,
  ) {
    this.reader = new RowReader(options);
  }

  start(): Buffer {
    this.reader.reset();
    this.error = undefined;
    this.fields = undefined;
    this.parameterCount = undefined;
    if (this.params.length > MAX_PARAMETERS) {
      throw new RxpgError(
        ErrorCode.InvalidParameter,
        `${this.params.length} parameters given; a statement takes at most ${MAX_PARAMETERS}`,
      );
    }
    const cache = this.cache;
    const cached = cache?.get(this.sql);
    // Checked before encoding: a statement known to take another count fails with nothing sent.
    if (cached?.parameterCount !== undefined && cached.parameterCount !== this.params.length) {
      throw countMismatch(cached.parameterCount, this.params.length);
    }
    const values = this.params.map(encodeParameter);
    if (cache === undefined) return this.unnamed(values);

    if (cached !== undefined && cached.fields === undefined) {
      // Prepared by a request still in flight (pipelining): run unnamed rather than race it.
      return Buffer.concat([...closes(cache), this.unnamed(values)]);
    }
    if (cached !== undefined) {
      this.statement = cached;
      this.reused = true;
      this.fields = cached.fields;
      const execute = bindExecuteSync(cached.name, values);
      const evicted = closes(cache);
      return evicted.length === 0 ? execute : Buffer.concat([...evicted, execute]);
    }
    const statement = cache.add(this.sql);
    this.statement = statement;
    this.reused = false;
    return Buffer.concat([
      ...closes(cache),
      serialize.parse({ name: statement.name, text: this.sql }),
      serialize.describe({ type: 'S', name: statement.name }),
      bindExecuteSync(statement.name, values),
    ]);
  }

  private unnamed(values: (string | Buffer | null)[]): Buffer {
    this.statement = undefined;
    return Buffer.concat([
      serialize.parse({ text: this.sql }),
      serialize.describe({ type: 'S' }),
      bindExecuteSync('', values),
    ]);
  }

  row(buffer: Buffer, start: number, end: number): void {
    if (this.error !== undefined || this.output.closed) return;
    if (this.reader.deliver(this.output, buffer, start, end)) this.delivered = true;
  }

  message(message: BackendMessage): Buffer | undefined {
    switch (message.name) {
      case 'parseComplete':
        if (this.statement !== undefined) this.cache?.parsed(this.statement);
        return undefined;
      case 'parameterDescription':
        this.parameterCount = message.typeIds.length;
        if (this.statement !== undefined) this.statement.parameterCount = this.parameterCount;
        return undefined;
      case 'rowDescription':
        if (this.statement !== undefined) this.statement.fields = message.fields;
        this.fields = message.fields;
        return undefined;
      case 'noData':
        if (this.statement !== undefined) this.statement.fields = [];
        this.fields = [];
        return undefined;
      case 'bindComplete':
        // The statement is valid for this execution: its columns can be announced.
        this.describe();
        return undefined;
      case 'commandComplete':
        if (this.error === undefined && !this.output.closed) {
          this.delivered = true;
          this.output.complete(message.tag);
        }
        return undefined;
      case 'closeComplete':
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

  private describe(): void {
    const fields = this.fields;
    if (fields === undefined || fields.length === 0 || this.output.closed) return;
    try {
      const columns = this.reader.describe(fields);
      this.delivered = true;
      this.output.columns(columns);
    } catch (error) {
      this.output.end(asError(error));
    }
  }

  /** Returns true to be run again: the cached statement was stale and nothing was delivered. */
  done(status: TransactionStatus): boolean {
    const error = this.error;
    if (error === undefined) {
      this.output.end(undefined);
      return false;
    }
    const statement = this.statement;
    if (statement !== undefined && this.cache !== undefined) {
      const stale = this.reused && error instanceof DatabaseError && RE_PREPARE.has(error.code);
      if (stale && error.code === '26000') this.cache.forgetAll();
      // A statement that failed to prepare, or went stale, must not be reused.
      if (stale || statement.fields === undefined) this.cache.remove(this.sql, statement);
      // Inside a failed transaction a retry could only fail again: the error must surface.
      if (stale && status !== 'E' && !this.retried && !this.delivered && !this.output.closed) {
        this.retried = true;
        return true;
      }
    }
    this.output.end(this.clearer(error));
    return false;
  }

  /** The server's answer to a wrong parameter count, as the coded error a cached statement gets. */
  private clearer(error: Error): Error {
    const expected = this.parameterCount;
    if (
      error instanceof DatabaseError &&
      error.code === PROTOCOL_VIOLATION &&
      expected !== undefined &&
      expected !== this.params.length
    ) {
      return countMismatch(expected, this.params.length, error);
    }
    return error;
  }

  failed(error: Error): void {
    // A server error that came just before the socket closed (FATAL 57P01 from a terminated
    // backend) says more than "connection closed".
    this.output.end(this.error instanceof DatabaseError ? this.error : error);
  }
}

/** Close messages for the statements evicted from the cache, sent ahead of a request's own. */
function closes(cache: StatementCache): readonly Buffer[] {
  const names = cache.takeClosing();
  return names.length === 0
    ? NO_BUFFERS
    : names.map((name) => serialize.close({ type: 'S', name }));
}

const NO_BUFFERS: readonly Buffer[] = [];

function countMismatch(expected: number, given: number, cause?: DatabaseError): RxpgError {
  return new RxpgError(
    ErrorCode.InvalidParameter,
    `the statement takes ${expected} parameter${expected === 1 ? '' : 's'} but ${given} ${given === 1 ? 'was' : 'were'} given`,
    { cause, hint: 'pass one value for each $n placeholder' },
  );
}
