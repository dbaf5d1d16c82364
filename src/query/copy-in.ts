import { serialize } from 'pg-protocol';
import type { Subscriber } from 'rxjs';
import type { Request } from '../connection/request';
import { DatabaseError, ErrorCode, RxpgError } from '../errors';
import type { BackendMessage } from '../protocol/messages';
import { readSource, type ChunkSink, type CopyChunk, type CopySource } from './copy-source';
import { CopyWriter, type CopySink } from './copy-writer';

/** The reason sent in CopyFail when the subscriber leaves mid-copy. */
const ABANDONED = 'COPY abandoned: the subscriber unsubscribed';
/**
 * CopyFail carries a C string: the server reads up to the first NUL, and only so much is useful.
 */
const MAX_REASON_LENGTH = 1000;

/**
 * Where a COPY FROM STDIN is:
 * - `waiting`: Query sent, CopyInResponse not yet received;
 * - `copying`: the source is being read and sent;
 * - `ended`: CopyDone or CopyFail sent, or the server left copy mode with an error.
 */
type Phase = 'waiting' | 'copying' | 'ended';

/**
 * `COPY ... FROM STDIN` with the simple protocol. Once the server is ready
 * (CopyInResponse) it reads the source into CopyData messages, pausing a
 * pulled source while the socket is full; ends with CopyDone when the source
 * completes, or CopyFail (the table is left unchanged) when it errors or the
 * subscriber unsubscribes. Emits the number of rows copied.
 * @internal
 */
export class CopyIn implements Request, ChunkSink {
  readonly exclusive = true;
  readonly abandonment = 'self';
  private phase: Phase = 'waiting';
  private readonly writer: CopyWriter;
  /** Stops reading the source, while it is read. */
  private stopSource: (() => void) | undefined;
  /** The source's own error, reported instead of the server's answer to CopyFail. */
  private sourceError: { readonly reason: unknown } | undefined;
  /** The first other failure; reported at ReadyForQuery. */
  private failure: Error | undefined;
  /** From the CommandComplete tag `COPY n`. */
  private rows = 0;

  constructor(
    private readonly sql: string,
    private readonly source: CopySource | string,
    private readonly subscriber: Subscriber<number>,
    sink: CopySink,
  ) {
    this.writer = new CopyWriter(sink);
    subscriber.add(() => this.abandon());
  }

  start(): Buffer {
    return serialize.query(this.sql);
  }

  row(): void {
    this.failure ??= notCopyFrom('rows');
  }

  message(message: BackendMessage): Buffer | undefined {
    switch (message.name) {
      case 'copyInResponse':
        return this.copy();
      case 'commandComplete': {
        const match = /^COPY (\d+)$/.exec(message.tag);
        if (match !== null) this.rows = Number(match[1]);
        return undefined;
      }
      case 'error':
        // The server left copy mode: whatever the source still holds is not wanted.
        this.end();
        this.failure ??= new DatabaseError(message.fields, this.sql);
        return undefined;
      case 'copyOutResponse':
      case 'rowDescription':
        this.failure ??= notCopyFrom(message.name === 'rowDescription' ? 'rows' : 'COPY TO STDOUT');
        return undefined;
      case 'copyData':
      case 'copyDone':
      case 'emptyQuery':
        return undefined;
      default:
        this.failure ??= new RxpgError(
          ErrorCode.ProtocolViolation,
          `unexpected ${message.name} message in COPY FROM STDIN`,
        );
        return undefined;
    }
  }

  done(): void {
    this.end();
    if (this.sourceError !== undefined) return this.subscriber.error(this.sourceError.reason);
    if (this.failure !== undefined) return this.subscriber.error(this.failure);
    this.subscriber.next(this.rows);
    this.subscriber.complete();
  }

  failed(error: Error): void {
    this.end();
    this.subscriber.error(error);
  }

  /** A chunk from the source. @internal */
  push(chunk: CopyChunk): boolean {
    if (this.phase !== 'copying') return false;
    try {
      return this.writer.push(chunk);
    } catch (error) {
      this.error(error);
      return false;
    }
  }

  /** @internal */
  whenRoom(resume: () => void): () => void {
    return this.writer.whenRoom(resume);
  }

  /** The source completed: the rest goes out, then CopyDone. @internal */
  complete(): void {
    if (this.phase !== 'copying') return;
    this.phase = 'ended';
    this.stopSource = undefined;
    this.writer.flush();
    this.writer.write(serialize.copyDone());
  }

  /** The source failed: CopyFail, and its error is what the subscriber gets. @internal */
  error(error: unknown): void {
    if (this.phase !== 'copying') return;
    this.sourceError = { reason: error };
    this.fail(`COPY source failed: ${error instanceof Error ? error.message : String(error)}`);
  }

  private copy(): Buffer | undefined {
    if (this.subscriber.closed) {
      this.phase = 'ended';
      return serialize.copyFail(ABANDONED);
    }
    this.phase = 'copying';
    const stop = readSource(this.source, this);
    // A source may end (or fail) before readSource returns: then it is stopped at once.
    if (this.phase === 'copying') this.stopSource = stop;
    else stop();
    return undefined;
  }

  private abandon(): void {
    if (this.phase === 'copying') this.fail(ABANDONED);
  }

  private fail(reason: string): void {
    this.end();
    this.writer.discard();
    this.writer.write(serialize.copyFail(reason.replace(/\0/g, '').slice(0, MAX_REASON_LENGTH)));
  }

  /** Stops reading the source; nothing more is sent for it. */
  private end(): void {
    this.phase = 'ended';
    const stop = this.stopSource;
    this.stopSource = undefined;
    stop?.();
  }
}

function notCopyFrom(what: string): RxpgError {
  return new RxpgError(
    ErrorCode.NotSupported,
    `copyFrom() got ${what}; it runs COPY ... FROM STDIN`,
    { hint: 'use query() for other statements, copyTo() for COPY ... TO STDOUT' },
  );
}
