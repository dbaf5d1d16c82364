import type { RxpgError } from '../errors';
import type { BackendMessage, TransactionStatus } from '../protocol/messages';

/**
 * One exchange on a connection: the messages it writes, and the replies up to
 * ReadyForQuery. The connection routes notices, notifications and parameter
 * changes elsewhere; a request sees only its own replies.
 * @internal
 */
export interface Request {
  /** The bytes to write when the request's turn comes. */
  readonly payload: Buffer;
  row(body: Buffer): void;
  /** A reply; what it returns is written to the server (e.g. CopyFail). */
  message(message: BackendMessage): Buffer | undefined;
  /** ReadyForQuery: the request is over. */
  done(status: TransactionStatus): void;
  /** The connection failed or closed before ReadyForQuery. */
  failed(error: RxpgError): void;
}
