import { ErrorCode, RxpgError } from '../errors';
import { HEADER_SIZE } from '../protocol/codes';
import type { CopyChunk } from './copy-source';

/** Frontend CopyData message type byte. */
const COPY_DATA = 0x64; // 'd'
/** Chunks are gathered into CopyData messages of about this size: fewer, larger writes. */
const BATCH_SIZE = 64 * 1024;

/** The socket side of a COPY FROM STDIN: writes, and 'drain' once a full buffer empties. */
export interface CopySink {
  /** Returns false when the socket's buffer is full. */
  write(bytes: Buffer): boolean;
  readonly socket: {
    once(event: 'drain', listener: () => void): unknown;
    off(event: 'drain', listener: () => void): unknown;
  };
}

/**
 * Frames chunks as CopyData messages, gathering small ones into batches so
 * that a source of one row per chunk does not cost a socket write per row.
 * Holds at most one batch.
 * @internal
 */
export class CopyWriter {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly sink: CopySink) {}

  /**
   * Takes a chunk; false when the socket is full and the source should wait for {@link whenRoom}.
   */
  push(chunk: CopyChunk): boolean {
    const bytes = toBuffer(chunk);
    if (bytes.length === 0) return true;
    if (this.size === 0 && bytes.length >= BATCH_SIZE) {
      // A large chunk goes out as it is, without being copied into a batch.
      this.sink.write(header(bytes.length));
      return this.sink.write(bytes);
    }
    this.parts.push(bytes);
    this.size += bytes.length;
    return this.size >= BATCH_SIZE ? this.flush() : true;
  }

  /** Writes the gathered chunks; false when the socket is full. */
  flush(): boolean {
    if (this.size === 0) return true;
    const message = Buffer.concat([header(this.size), ...this.parts], HEADER_SIZE + this.size);
    this.parts = [];
    this.size = 0;
    return this.sink.write(message);
  }

  /** Forgets gathered chunks (the copy is being abandoned). */
  discard(): void {
    this.parts = [];
    this.size = 0;
  }

  /** Calls `resume` at the socket's next 'drain'; returns a function that cancels the wait. */
  whenRoom(resume: () => void): () => void {
    this.sink.socket.once('drain', resume);
    return () => this.sink.socket.off('drain', resume);
  }

  write(bytes: Buffer): boolean {
    return this.sink.write(bytes);
  }
}

function header(length: number): Buffer {
  const bytes = Buffer.allocUnsafe(HEADER_SIZE);
  bytes[0] = COPY_DATA;
  bytes.writeInt32BE(length + 4, 1);
  return bytes;
}

function toBuffer(chunk: CopyChunk): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  throw new RxpgError(
    ErrorCode.InvalidParameter,
    `copyFrom() got a chunk of type ${typeof chunk}; chunks are Buffer, Uint8Array or string`,
  );
}
