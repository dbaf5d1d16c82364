import { serialize } from 'pg-protocol';
import { from, type ObservableInput, type Subscriber, type Subscription } from 'rxjs';
import type { Request } from '../connection/request';
import { DatabaseError, ErrorCode, RxpgError } from '../errors';
import type { BackendMessage } from '../protocol/messages';
import { RowDecoder } from './columns';
import { encodeParameter } from './params';
import { decodeFailure } from './simple-query';
import type { TypeParsers } from './types';

/** Options of the batched, bounded-memory reads. */
export interface CursorOptions {
  /** Rows fetched per round trip, and the most held at once (default 1,000). */
  readonly batchSize?: number;
  /** Parsers by type OID, over the connection's own. */
  readonly types?: TypeParsers;
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
  readonly abandonment = 'self';
  private phase: Phase = 'fetching';
  private decoder: RowDecoder | undefined;
  private batch: T[] = [];
  private error: unknown;
  private work: Subscription | undefined;

  constructor(
    private readonly sql: string,
    private readonly params: readonly unknown[],
    private readonly subscriber: Subscriber<R>,
    private readonly consume: (rows: T[]) => ObservableInput<R>,
    private readonly write: (bytes: Buffer) => void,
    private readonly types: TypeParsers | undefined,
    private readonly batchSize: number,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RxpgError(ErrorCode.InvalidParameter, `batchSize must be a positive integer`);
    }
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
    if (this.error !== undefined || this.decoder === undefined) return;
    try {
      this.batch.push(this.decoder.decode(buffer, start, end) as T);
    } catch (cause) {
      this.error = decodeFailure(cause);
    }
  }

  message(message: BackendMessage): Buffer | undefined {
    switch (message.name) {
      case 'rowDescription':
        this.decoder = RowDecoder.for(message.fields, this.types);
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
      case 'bindComplete':
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
