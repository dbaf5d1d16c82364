import type { BackendMessage, TransactionStatus } from '../protocol/messages';

/**
 * One exchange on a connection: the messages it writes, and the replies up to
 * ReadyForQuery. The connection routes notices, notifications and parameter
 * changes elsewhere; a request sees only its own replies.
 * @internal
 */
export interface Request {
  /** True for requests that must have the wire to themselves (cursors, COPY): no pipelining. */
  readonly exclusive?: boolean;
  /**
   * What to do when the subscriber leaves mid-request: `cancel` (the default)
   * sends a CancelRequest; `self` means the request ends itself (CopyFail).
   */
  readonly abandonment?: 'cancel' | 'self';
  /**
   * The bytes to write, built when the request's turn comes (a statement cache may have changed).
   */
  start(): Buffer;
  /** A DataRow body at `buffer[start, end)`. */
  row(buffer: Buffer, start: number, end: number): void;
  /** A reply; what it returns is written to the server (e.g. CopyFail). */
  message(message: BackendMessage): Buffer | undefined;
  /** ReadyForQuery: the request is over, unless it returns true to be sent again at once. */
  done(status: TransactionStatus): boolean | void;
  /** The connection failed or closed before ReadyForQuery, or `start` threw. */
  failed(error: Error): void;
}
