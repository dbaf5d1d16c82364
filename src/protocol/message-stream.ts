import type { Duplex } from 'node:stream';
import { debuglog } from 'node:util';
import { ErrorCode, RxpgError } from '../errors';
import { BackendCode } from './codes';
import { MessageDecoder } from './decode';
import { Framer, type LengthLimit } from './framer';
import type { BackendMessage } from './messages';

const debug = debuglog('rxpg');

/** Where a {@link MessageStream} delivers what it reads. */
export interface MessageHandler {
  /** A data row, raw, at `buffer[start, end)`: the hot path skips building a message object. */
  row(buffer: Buffer, start: number, end: number): void;
  message(message: BackendMessage): void;
  /** The stream failed or ended; called once, after which nothing more is delivered. */
  failed(error: RxpgError): void;
}

/** A handler for the moments when nothing should arrive: anything that does is a violation. */
const UNEXPECTED: MessageHandler = {
  row: () => {
    throw new RxpgError(ErrorCode.ProtocolViolation, 'server sent a row nobody asked for');
  },
  message: (message) => {
    throw new RxpgError(ErrorCode.ProtocolViolation, `unexpected ${message.name} message`);
  },
  failed: () => undefined,
};

/**
 * The messages of one socket (plain or TLS), from the first byte after the
 * encryption negotiation to the end. Owns the socket's listeners for its whole
 * life, so that no byte is lost when a handshake hands over to a connection:
 * they only swap the {@link handler}.
 */
export class MessageStream {
  private readonly framer: Framer;
  private readonly decoder = new MessageDecoder();
  /** Set once the stream failed or was closed; later events are ignored. */
  private done = false;
  handler: MessageHandler = UNEXPECTED;

  constructor(
    readonly socket: Duplex,
    limit: LengthLimit,
  ) {
    this.framer = new Framer(limit);
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
  }

  /** Replaces the length limit, e.g. once the server is authenticated. */
  set limit(limit: LengthLimit) {
    this.framer.limit = limit;
  }

  get closed(): boolean {
    return this.done;
  }

  /** Writes bytes; returns false when the socket's buffer is full (wait for 'drain'). */
  write(bytes: Buffer): boolean {
    if (this.done) return false;
    return this.socket.write(bytes);
  }

  /** Ends the stream from our side, optionally writing a last message (Terminate). */
  close(last?: Buffer): void {
    if (this.done) return;
    this.finish();
    if (last !== undefined) this.socket.end(last);
    else this.socket.end();
    // A peer that never closes its side must not keep the socket alive.
    setTimeout(() => this.socket.destroy(), 1_000).unref();
  }

  /** Destroys the socket at once and reports `error` to the handler. */
  fail(error: RxpgError): void {
    if (this.done) return;
    const handler = this.handler;
    this.finish();
    this.socket.destroy();
    handler.failed(error);
  }

  private finish(): void {
    this.done = true;
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    // Keep an error listener: a late socket error must not become an uncaught exception.
    this.socket.off('error', this.onError);
    this.socket.on('error', ignore);
  }

  private readonly onData = (chunk: Buffer): void => {
    try {
      this.framer.push(chunk, this.onFrame);
    } catch (error) {
      this.fail(asRxpgError(error));
    }
  };

  private readonly onFrame = (code: number, buffer: Buffer, start: number, end: number): void => {
    if (this.done) return;
    if (code === BackendCode.DataRow) {
      this.handler.row(buffer, start, end);
    } else {
      this.handler.message(this.decoder.decodeAt(code, buffer, start, end));
    }
  };

  private readonly onError = (cause: Error): void => {
    debug('message-stream: socket error %s', cause.message);
    this.fail(
      new RxpgError(ErrorCode.ConnectionClosed, `connection lost: ${cause.message}`, { cause }),
    );
  };

  private readonly onEnd = (): void => {
    const detail = this.framer.midMessage ? ' in the middle of a message' : '';
    this.fail(
      new RxpgError(ErrorCode.ConnectionClosed, `server closed the connection${detail}`, {
        hint: 'the server may have been restarted or the backend terminated',
      }),
    );
  };
}

function ignore(): void {}

/** Wraps anything thrown inside the stream's handlers as a coded error. */
export function asRxpgError(error: unknown): RxpgError {
  if (error instanceof RxpgError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RxpgError(ErrorCode.ProtocolViolation, `failed to handle a message: ${message}`, {
    cause: error,
  });
}
