import { serialize } from 'pg-protocol';
import type { Observable, Subscriber } from 'rxjs';
import type { Connection } from '../connection/connection';
import type { Request } from '../connection/request';
import type { TransactionStatus } from '../protocol/messages';

/**
 * Sends a lone Sync, which the server answers with ReadyForQuery and nothing
 * else. Queued behind whatever the connection is still doing, it emits the
 * transaction status once the connection is idle: the Client's way to wait
 * for an abandoned query to end before judging whether the connection is clean.
 * @internal
 */
export function syncProbe(connection: Connection): Observable<TransactionStatus> {
  return connection.request<TransactionStatus>((subscriber) => new SyncProbe(subscriber));
}

class SyncProbe implements Request {
  constructor(private readonly subscriber: Subscriber<TransactionStatus>) {}

  start(): Buffer {
    return serialize.sync();
  }

  row(): void {}

  message(): undefined {
    // Only ReadyForQuery answers a Sync; nothing else can be meant for it.
    return undefined;
  }

  done(status: TransactionStatus): void {
    this.subscriber.next(status);
    this.subscriber.complete();
  }

  failed(error: Error): void {
    this.subscriber.error(error);
  }
}
