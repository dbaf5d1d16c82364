import type { BackendMessage } from '../protocol/messages';
import type { Request } from './request';

/** SQLSTATE query_canceled. */
const QUERY_CANCELED = '57014';
/** How much of one request's replies may be held back before they are let through after all. */
const MAX_HELD_BYTES = 1 << 20;
const MAX_HELD_ROWS = 10_000;

type HeldReply = { readonly row: Buffer } | { readonly message: BackendMessage };

/**
 * The replies of a request that a cancel meant for the one ahead of it may
 * still reach, held back from it until its ReadyForQuery: if the cancel did
 * reach it, nothing was delivered and it can simply run again; if not, the
 * replies are let through then, in order. Bounded: past a megabyte (or
 * 10,000 rows) they are let through at once, and the request is on its own.
 * @internal
 */
export class HeldReplies {
  private readonly replies: HeldReply[] = [];
  private bytes = 0;
  /** Set once the replies were let through: the rest go to the request as they come. */
  released = false;

  constructor(readonly request: Request) {}

  /** Keeps a row (copied: the socket's buffer is not ours to keep); false once over the bound. */
  keepRow(buffer: Buffer, start: number, end: number): boolean {
    this.replies.push({ row: Buffer.from(buffer.subarray(start, end)) });
    this.bytes += end - start;
    return this.bytes <= MAX_HELD_BYTES && this.replies.length <= MAX_HELD_ROWS;
  }

  keepMessage(message: BackendMessage): void {
    this.replies.push({ message });
  }

  /** True when the request failed with query_canceled: the cancel reached it. */
  get cancelled(): boolean {
    return this.replies.some(
      (reply) =>
        'message' in reply &&
        reply.message.name === 'error' &&
        reply.message.fields.code === QUERY_CANCELED,
    );
  }

  /** Lets every reply through to the request, in order; `write` sends what it answers. */
  release(write: (bytes: Buffer) => void): void {
    this.released = true;
    for (const reply of this.replies.splice(0)) {
      if ('row' in reply) {
        this.request.row(reply.row, 0, reply.row.length);
      } else {
        const answer = this.request.message(reply.message);
        if (answer !== undefined) write(answer);
      }
    }
  }
}
