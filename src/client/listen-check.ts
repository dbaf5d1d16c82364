import { Observable, type Subscription } from 'rxjs';
import type { Connection, Notification } from '../connection/connection';
import { ErrorCode, RxpgError } from '../errors';
import { command } from './command';

/**
 * How the listening connection is checked, in milliseconds; Infinity turns the checks off
 * (`interval`) or lets a check wait for ever (`timeout`).
 * @internal
 */
export interface ListenCheckOptions {
  /** The wait between the end of one check and the start of the next. */
  readonly interval: number;
  /** How long a check may go unanswered before the connection is given up. */
  readonly timeout: number;
}

/**
 * The notifications of the listening connection, checked meanwhile: every
 * `interval`, an empty query makes a round trip to the server. A network that
 * stalls in either direction sends no error and no end of stream, so a
 * connection that only listens would otherwise wait for ever, its listeners
 * never told that they miss notifications. A check that gets no answer within
 * `timeout` fails this observable with `RXPG_TIMEOUT`; the caller then gives
 * the connection up. Completes with the notifications, i.e. when the
 * connection ends. Its timers never keep the process alive.
 * @internal
 */
export function checkedNotifications(
  connection: Connection,
  options: ListenCheckOptions,
): Observable<Notification> {
  return new Observable<Notification>((subscriber) => {
    /** The wait before the next check, or the time left to the check under way. */
    let timer: NodeJS.Timeout | undefined;
    /** The check under way, if any. */
    let check: Subscription | undefined;
    /** Set by the teardown: a check that ends afterwards must not plan another one. */
    let stopped = false;

    const later = (work: () => void, ms: number): void => {
      clearTimeout(timer);
      timer = undefined;
      if (stopped || !Number.isFinite(ms)) return;
      timer = setTimeout(work, ms);
      timer.unref();
    };
    const answered = (): void => {
      check = undefined;
      later(run, options.interval);
    };
    const giveUp = (): void => {
      const error = unanswered(options.timeout);
      // Destroyed at once: closing it politely would wait on the server that stopped answering.
      notifications.unsubscribe();
      connection.destroy(error);
      subscriber.error(error);
    };
    const run = (): void => {
      later(giveUp, options.timeout);
      // A failed check means the connection is ending: that reaches the caller through the
      // connection itself, and the notifications complete.
      check = command(connection, '').subscribe({ complete: answered, error: answered });
    };

    const notifications = connection.notifications$.subscribe({
      next: (notification) => subscriber.next(notification),
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    later(run, options.interval);
    return () => {
      stopped = true;
      clearTimeout(timer);
      notifications.unsubscribe();
      check?.unsubscribe();
    };
  });
}

function unanswered(ms: number): RxpgError {
  return new RxpgError(
    ErrorCode.Timeout,
    `the listening connection did not answer a check within ${ms} ms; ` +
      'notifications may have been missed',
    { hint: 'the network to the server may be stalled; rxpg reconnects and listens again' },
  );
}
