import { serialize } from 'pg-protocol';
import type { Observable, Subscriber } from 'rxjs';
import type { Connection } from '../connection/connection';
import type { Request } from '../connection/request';
import { DatabaseError, ErrorCode, RxpgError } from '../errors';
import type { BackendMessage } from '../protocol/messages';

/**
 * Runs a statement that returns no rows (BEGIN, COMMIT, SAVEPOINT, LISTEN...)
 * with the simple protocol and emits its command tag, e.g. `'COMMIT'`, or
 * `'ROLLBACK'` for a COMMIT of a failed transaction. With several statements,
 * the tag of the last one.
 * @internal
 */
export function command(connection: Connection, sql: string): Observable<string> {
  return connection.request<string>((subscriber) => new Command(sql, subscriber));
}

class Command implements Request {
  private tag: string | undefined;
  /** The first failure; reported at ReadyForQuery. */
  private error: Error | undefined;

  constructor(
    private readonly sql: string,
    private readonly subscriber: Subscriber<string>,
  ) {}

  start(): Buffer {
    return serialize.query(this.sql);
  }

  row(): void {
    // A statement with rows: they are not wanted here.
  }

  message(message: BackendMessage): Buffer | undefined {
    switch (message.name) {
      case 'commandComplete':
        this.tag = message.tag;
        return undefined;
      case 'error':
        this.error ??= new DatabaseError(message.fields, this.sql);
        return undefined;
      case 'rowDescription':
      case 'emptyQuery':
        return undefined;
      case 'copyInResponse':
        this.error ??= unexpected(message.name);
        return serialize.copyFail('rxpg sends no COPY data here');
      default:
        this.error ??= unexpected(message.name);
        return undefined;
    }
  }

  done(): void {
    if (this.error !== undefined) return this.subscriber.error(this.error);
    if (this.tag !== undefined) this.subscriber.next(this.tag);
    this.subscriber.complete();
  }

  failed(error: Error): void {
    this.subscriber.error(error);
  }
}

function unexpected(name: string): RxpgError {
  return new RxpgError(ErrorCode.ProtocolViolation, `unexpected ${name} message in a command`);
}
