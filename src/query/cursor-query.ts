import { serialize } from 'pg-protocol';
import { from, type ObservableInput, type Subscriber, type Subscription } from 'rxjs';
import type { Request } from '../connection/request';
import { DatabaseError, ErrorCode, RxpgError } from '../errors';
import type { BackendMessage, FieldDescription } from '../protocol/messages';
import { encodeParameter } from './params';
import type { QueryOptions } from './query-options';
import { RowReader } from './row-reader';

/** Options of the batched, bounded-memory reads: those of every query, and the batch size. */
export interface CursorOptions extends QueryOptions {
  /** Rows fetched per round trip, and the most held at once (default 1,000). */
  readonly batchSize?: number;
}

export const DEFAULT_BATCH_SIZE = 1000;

/**
 * Where a cursor is:
 * - `fetching`: an Execute is out, rows are arriving;
 * - `working`: a batch is with the consumer's work; the server waits;
 * - `closing`: Sync sent, waiting for ReadyForQuery.
 */
type Phase = 'fetching' | 'working' | 'closing';

/**
 * A portal read in batches: Execute(batchSize) and Flush, the batch handed to
 * `work`, and the next Execute only once the Observable `work` returned has
 * completed. Memory holds one batch however slow the consumer. Ends with Sync,
 * which also closes the portal when the consumer errors or leaves.
 * @internal
 */
export class CursorQuery<T, R> implements Request {
  readonly exclusive = true;
  private phase: Phase = 'fetching';
  private readonly reader: RowReader;
  /** The statement's columns, from Describe; announced once Bind succeeded. */
  private fields: readonly FieldDescription[] | undefined;
  /** True once the columns were announced: rows are expected. */
  private described = false;
  private batch: T[] = [];
  private error: unknown;
  private work: Subscription | undefined;

  constructor(
    private readonly sql: string,
    private readonly params: readonly unknown[],
    private readonly subscriber: Subscriber<R>,
    private readonly consume: (rows: T[]) => ObservableInput<R>,
    private readonly write: (bytes: Buffer) => void,
    options: CursorOptions,
    private readonly batchSize: number,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RxpgError(ErrorCode.InvalidParameter, `batchSize must be a positive integer`);
    }
    this.reader = new RowReader(options);
    subscriber.add(() => this.abandon());
  }

  start(): Buffer {
    return Buffer.concat([
      serialize.parse({ text: this.sql }),
      serialize.describe({ type: 'S' }),
      serialize.bind({ values: this.params.map(encodeParameter) }),
      serialize.execute({ rows: this.batchSize }),
      serialize.flush(),
    ]);
  }

  row(buffer: Buffer, start: number, end: number): void {
    if (this.error !== undefined || !this.described) return;
    try {
      this.batch.push(this.reader.decode(buffer, start, end) as T);
    } catch (error) {
      this.error = error;
    }
  }

  message(message: BackendMessage): Buffer | undefined {
    switch (message.name) {
      case 'rowDescription':
        this.fields = message.fields;
        return undefined;
      case 'bindComplete':
        this.describe();
        return undefined;
      case 'portalSuspended':
        return this.handOver(false);
      case 'commandComplete':
      case 'emptyQuery':
        return this.handOver(true);
      case 'error':
        this.error ??= new DatabaseError(message.fields, this.sql);
        return this.close();
      case 'parseComplete':
      case 'parameterDescription':
      case 'noData':
        return undefined;
      default:
        this.error ??= new RxpgError(
          ErrorCode.ProtocolViolation,
          `unexpected ${message.name} message in a cursor`,
        );
        return this.close();
    }
  }

  done(): void {
    if (this.error !== undefined) this.subscriber.error(this.error);
    else this.subscriber.complete();
  }

  failed(error: Error): void {
    this.work?.unsubscribe();
    this.subscriber.error(error);
  }

  private describe(): void {
    if (this.fields === undefined) return;
    try {
      this.reader.describe(this.fields);
      this.described = true;
    } catch (error) {
      this.error ??= error;
    }
  }

  /** A batch is complete: give it to the consumer's work, then fetch more or close. */
  private handOver(last: boolean): Buffer | undefined {
    const rows = this.batch;
    this.batch = [];
    if (this.error !== undefined || this.subscriber.closed) return this.close();
    if (rows.length === 0) return last ? this.close() : this.fetchMore();
    this.phase = 'working';
    let work: ObservableInput<R>;
    try {
      work = this.consume(rows);
    } catch (error) {
      this.error = error;
      return this.close();
    }
    this.work = from(work).subscribe({
      next: (value) => this.subscriber.next(value),
      error: (error: unknown) => {
        this.error ??= error;
        const sync = this.close();
        if (sync !== undefined) this.write(sync);
      },
      complete: () => {
        const next = last ? this.close() : this.fetchMore();
        if (next !== undefined) this.write(next);
      },
    });
    // The subscriber may have left during that very subscription (take(1) on the first value).
    if (this.subscriber.closed) this.work.unsubscribe();
    return undefined;
  }

  private fetchMore(): Buffer | undefined {
    if (this.subscriber.closed) return this.close();
    this.phase = 'fetching';
    return Buffer.concat([serialize.execute({ rows: this.batchSize }), serialize.flush()]);
  }

  /** Sync: ends the implicit transaction, closing the portal; ReadyForQuery follows. */
  private close(): Buffer | undefined {
    if (this.phase === 'closing') return undefined;
    this.phase = 'closing';
    return serialize.sync();
  }

  /** The subscriber left: stop the work; if the server waits on us, close the portal now. */
  private abandon(): void {
    this.work?.unsubscribe();
    if (this.phase === 'working') {
      const sync = this.close();
      if (sync !== undefined) this.write(sync);
    }
  }
}
