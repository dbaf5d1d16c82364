import {
  from,
  Observable,
  type ObservableInput,
  type Subscriber,
  Subscription,
  type Unsubscribable,
} from 'rxjs';
import type { Connection } from '../connection/connection';
import type { Request } from '../connection/request';
import type { Lease, Pool, Waiter } from './pool';

/**
 * Runs `work` on a connection of the pool, taken when the result is
 * subscribed and given back when it completes, errors or is unsubscribed
 * (the pool then makes it clean before lending it again). The connection goes
 * back before the completion is passed on, so that work chained after this
 * one (`concat`) can reuse it.
 * @internal
 */
export function withConnection<T>(
  pool: Pool,
  work: (connection: Connection) => ObservableInput<T>,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    /** The connection lent, until it is given back. */
    let lease: Lease | undefined;
    const running = new Subscription();
    const release = (): void => {
      const held = lease;
      lease = undefined;
      held?.release();
    };
    const leave = pool.acquire({
      grant: (granted) => {
        lease = granted;
        let output: ObservableInput<T>;
        try {
          output = work(granted.connection);
        } catch (error) {
          release();
          subscriber.error(error);
          return;
        }
        running.add(
          from(output).subscribe({
            next: (value) => subscriber.next(value),
            error: (error: unknown) => {
              release();
              subscriber.error(error);
            },
            complete: () => {
              release();
              subscriber.complete();
            },
          }),
        );
      },
      fail: (error) => subscriber.error(error),
    });
    return () => {
      leave();
      // The work is withdrawn first: the connection goes back with nothing new queued on it.
      running.unsubscribe();
      release();
    };
  });
}

/**
 * Makes the request for a lent connection: its output calls `beforeEnd` with the error (or
 * undefined) just before `subscriber` hears the end.
 * @internal
 */
export type RequestBuilder<T> = (
  connection: Connection,
  beforeEnd: (error: Error | undefined) => void,
  subscriber: Subscriber<T>,
) => Request;

/**
 * Runs one request on a connection of the pool, like {@link withConnection}
 * but without an observable in between: `build` makes the request with an
 * output that gives the connection back just before the subscriber hears the
 * end. Single statements take this path, the pool's busiest.
 * @internal
 */
export function withRequest<T>(
  pool: Pool,
  statement: string | undefined,
  build: RequestBuilder<T>,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    const leased = new LeasedRequest(statement, subscriber, build);
    leased.leave = pool.acquire(leased);
    return leased;
  });
}

/** A request waiting for, then running on, a lent connection. */
class LeasedRequest<T> implements Waiter, Unsubscribable {
  /** Takes the request out of the pool's queue while it waits. */
  leave: () => void = noop;
  private lease: Lease | undefined;
  /** Takes the request off the connection once it was queued there. */
  private withdraw: () => void = noop;

  constructor(
    readonly statement: string | undefined,
    private readonly subscriber: Subscriber<T>,
    private readonly build: RequestBuilder<T>,
  ) {}

  grant(lease: Lease): void {
    this.lease = lease;
    const request = this.build(
      lease.connection,
      (error) => this.release(error === undefined),
      this.subscriber,
    );
    this.withdraw = lease.connection.enqueue(request);
  }

  fail(error: unknown): void {
    this.subscriber.error(error);
  }

  unsubscribe(): void {
    this.leave();
    // The request is withdrawn first: the connection goes back with nothing new queued on it.
    this.withdraw();
    this.release();
  }

  /** Gives the connection back; `succeeded` when the statement ran to its end without error. */
  private release(succeeded = false): void {
    const held = this.lease;
    this.lease = undefined;
    held?.release(succeeded);
  }
}

const noop = (): void => undefined;
