import { ErrorCode, RxpgError } from '../errors';
import { HEADER_SIZE } from './codes';

/** The largest length field accepted for a message of type `code` (length includes itself). */
export type LengthLimit = (code: number) => number;

/**
 * Called with each complete message: its type byte and where its body (without
 * the header) lies, `buffer[start, end)`. Passing offsets spares the hot path
 * a Buffer object per message.
 */
export type FrameHandler = (code: number, buffer: Buffer, start: number, end: number) => void;

/** The smallest valid length field: the four bytes of the length itself. */
const MIN_LENGTH = 4;

/**
 * Cuts a byte stream into messages, checking every length field before a single
 * byte of the message is buffered. pg-protocol's own framing trusts lengths (it
 * would wait for and buffer gigabytes), so rxpg frames first and hands pg-protocol
 * one complete message at a time.
 *
 * Bodies are handed over as offsets into the received chunks, never copied.
 */
export class Framer {
  /** Chunks of a message that has not fully arrived. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Total size (header included) of the pending message, or 0 while its header is incomplete. */
  private need = 0;

  /** The limit in force; the connection tightens it before authentication completes. */
  limit: LengthLimit;

  constructor(limit: LengthLimit) {
    this.limit = limit;
  }

  /** Feeds one chunk; throws an {@link RxpgError} on a bad length (the stream is then unusable). */
  push(chunk: Buffer, onFrame: FrameHandler): void {
    let offset = 0;
    if (this.pendingBytes > 0) {
      offset = this.completePending(chunk, onFrame);
      if (offset < 0) return;
    }
    const size = chunk.length;
    while (size - offset >= HEADER_SIZE) {
      const code = chunk[offset];
      const end = offset + 1 + this.checkedLength(code, chunk.readInt32BE(offset + 1));
      if (end > size) break;
      onFrame(code, chunk, offset + HEADER_SIZE, end);
      offset = end;
    }
    if (offset < size) {
      const rest = chunk.subarray(offset);
      this.pending = [rest];
      this.pendingBytes = rest.length;
      this.need =
        rest.length >= HEADER_SIZE ? 1 + this.checkedLength(rest[0], rest.readInt32BE(1)) : 0;
    }
  }

  /** True when part of a message is buffered (a stream ending now ends mid-message). */
  get midMessage(): boolean {
    return this.pendingBytes > 0;
  }

  /** Returns how much of `chunk` it used, or -1 when the pending message is still incomplete. */
  private completePending(chunk: Buffer, onFrame: FrameHandler): number {
    if (this.need === 0) {
      const missing = HEADER_SIZE - this.pendingBytes;
      if (chunk.length < missing) {
        this.append(chunk);
        return -1;
      }
      const header = Buffer.concat([...this.pending, chunk.subarray(0, missing)]);
      this.need = 1 + this.checkedLength(header[0], header.readInt32BE(1));
    }
    const take = Math.min(this.need - this.pendingBytes, chunk.length);
    this.append(chunk.subarray(0, take));
    if (this.pendingBytes < this.need) return -1;
    const frame = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.need = 0;
    onFrame(frame[0], frame, HEADER_SIZE, frame.length);
    return take;
  }

  private append(part: Buffer): void {
    this.pending.push(part);
    this.pendingBytes += part.length;
  }

  private checkedLength(code: number, length: number): number {
    if (length < MIN_LENGTH) {
      throw new RxpgError(
        ErrorCode.ProtocolViolation,
        `server sent a message of type 0x${code.toString(16)} with an invalid length ${length}`,
      );
    }
    const max = this.limit(code);
    if (length > max) {
      throw new RxpgError(
        ErrorCode.MessageTooLarge,
        `server sent a message of type 0x${code.toString(16)} of ${length} bytes, over the limit of ${max}`,
        { hint: 'raise the maxMessageSize option if such large rows are expected' },
      );
    }
    return length;
  }
}
