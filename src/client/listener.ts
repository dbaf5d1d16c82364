import {
  defer,
  Observable,
  retry,
  Subject,
  type Subscriber,
  type Subscription,
  switchMap,
  tap,
  throwError,
  timeout,
  timer,
} from 'rxjs';
import type { Connection, Notification } from '../connection/connection';
import { DatabaseError, ErrorCode, RxpgError } from '../errors';
import { command } from './command';
import { escapeIdentifier } from './escape';
import { checkedNotifications, type ListenCheckOptions } from './listen-check';
import { serverChannelName, type ListenEvent } from './listen-event';
import { clientClosed } from './pool-errors';

/** The first wait before reconnecting, doubled after each failed attempt up to the maximum. */
const FIRST_RETRY_DELAY = 100;
const MAX_RETRY_DELAY = 5_000;

/**
 * The Client's LISTEN side: one dedicated connection shared by every
 * listener, opened with the first channel and closed with the last. LISTEN
 * goes out when a channel gets its first subscriber, UNLISTEN when it loses
 * its last; after the connection is lost it is made again and every channel
 * listened to again. While it is open, it is checked now and then (see
 * {@link checkedNotifications}): a network that stalls silently counts as a loss.
 * @internal
 */
export class Listener {
  /** Subscribers by channel, under the name the server gives the channel. */
  private readonly channels = new Map<string, Set<Subscriber<Notification>>>();
  /** The dedicated connection, while it is open. */
  private connection: Connection | undefined;
  /** Keeps the connection, and its reconnections, alive while any channel is listened to. */
  private session: Subscription | undefined;
  /** Failed attempts since the last connection, for the back-off. */
  private failures = 0;
  /** True from a loss until the next connection: one `disconnected` event per gap. */
  private inGap = false;
  private closed = false;
  private readonly events = new Subject<ListenEvent>();

  readonly events$: Observable<ListenEvent> = this.events.asObservable();

  constructor(
    private readonly open$: Observable<Connection>,
    private readonly check: ListenCheckOptions,
  ) {}

  listen(channel: string): Observable<Notification> {
    return new Observable<Notification>((subscriber) => {
      if (this.closed) {
        subscriber.error(clientClosed());
        return undefined;
      }
      const name = serverChannelName(channel);
      escapeIdentifier(name); // A name that cannot be quoted fails here, alone.
      let listeners = this.channels.get(name);
      if (listeners === undefined) {
        listeners = new Set();
        this.channels.set(name, listeners);
        if (this.connection !== undefined) this.sendListen(this.connection, name);
        else this.start();
      }
      listeners.add(subscriber);
      return () => this.leave(name, subscriber);
    });
  }

  /** Completes every listener and closes the connection. */
  close(): void {
    this.closed = true;
    const listeners = [...this.channels.values()].flatMap((set) => [...set]);
    this.channels.clear();
    this.stop();
    for (const subscriber of listeners) subscriber.complete();
    this.events.complete();
  }

  private start(): void {
    if (this.session !== undefined) return;
    /** Set once a connection of this session opened: from then on, losses are retried. */
    let opened = false;
    const session = defer(() => (opened ? this.reopen$() : this.open$))
      .pipe(
        switchMap((connection) => {
          opened = true;
          this.connected(connection);
          // A check that goes unanswered fails the session here, which closes the connection.
          return checkedNotifications(connection, this.check);
        }),
        tap({
          error: (error: unknown) => {
            if (opened) this.lost(error);
          },
        }),
        // A first connection that fails is reported (wrong settings, server down), as for queries.
        retry({
          delay: (error: unknown) => (opened ? timer(this.nextDelay()) : throwError(() => error)),
        }),
      )
      .subscribe({
        next: (notification) => this.route(notification),
        error: (error: unknown) => this.failAll(error),
        // Only a connection closed by someone else ends the session this way: start again.
        complete: () => {
          this.stop();
          if (this.channels.size > 0) this.start();
        },
      });
    // A session that failed at once is over already and must not be kept.
    if (!session.closed) this.session = session;
  }

  /**
   * Opening the connection again after a loss. While checks are on, an attempt
   * that does not open within the check's timeout is given up and retried: the
   * network that stalled may stall the new connection too, and without
   * `connect_timeout` nothing else would end it.
   */
  private reopen$(): Observable<Connection> {
    const { interval, timeout: bound } = this.check;
    if (!Number.isFinite(interval) || !Number.isFinite(bound)) return this.open$;
    return this.open$.pipe(
      timeout({ first: bound, with: () => throwError(() => reopenTimedOut(bound)) }),
    );
  }

  private failAll(error: unknown): void {
    this.session = undefined;
    this.connection = undefined;
    const listeners = [...this.channels.values()].flatMap((set) => [...set]);
    this.channels.clear();
    for (const subscriber of listeners) subscriber.error(error);
  }

  private stop(): void {
    const session = this.session;
    this.session = undefined;
    this.connection = undefined;
    session?.unsubscribe();
  }

  private connected(connection: Connection): void {
    this.connection = connection;
    this.failures = 0;
    this.inGap = false;
    for (const name of this.channels.keys()) this.sendListen(connection, name);
  }

  private lost(error: unknown): void {
    this.connection = undefined;
    if (this.inGap) return;
    this.inGap = true;
    this.events.next({ kind: 'disconnected', error });
  }

  private nextDelay(): number {
    const delay = Math.min(MAX_RETRY_DELAY, FIRST_RETRY_DELAY * 2 ** this.failures);
    this.failures += 1;
    return delay;
  }

  private sendListen(connection: Connection, name: string): void {
    command(connection, `LISTEN ${escapeIdentifier(name)}`).subscribe({
      complete: () => {
        if (this.channels.has(name)) this.events.next({ kind: 'listening', channel: name });
      },
      error: (error: unknown) => {
        // A lost connection is dealt with by reconnecting; only the server's refusal ends
        // listeners.
        if (error instanceof DatabaseError) this.refused(name, error);
      },
    });
  }

  private refused(name: string, error: DatabaseError): void {
    const listeners = this.channels.get(name);
    if (listeners === undefined) return;
    this.channels.delete(name);
    for (const subscriber of [...listeners]) subscriber.error(error);
    if (this.channels.size === 0) this.stop();
  }

  private leave(name: string, subscriber: Subscriber<Notification>): void {
    const listeners = this.channels.get(name);
    if (listeners === undefined || !listeners.delete(subscriber) || listeners.size > 0) return;
    this.channels.delete(name);
    if (this.channels.size === 0) return this.stop();
    if (this.connection !== undefined) {
      command(this.connection, `UNLISTEN ${escapeIdentifier(name)}`).subscribe({
        error: () => undefined,
      });
    }
  }

  private route(notification: Notification): void {
    const listeners = this.channels.get(notification.channel);
    if (listeners === undefined) return;
    for (const subscriber of [...listeners]) subscriber.next(notification);
  }
}

function reopenTimedOut(ms: number): RxpgError {
  return new RxpgError(
    ErrorCode.Timeout,
    `the listening connection could not be opened again within ${ms} ms`,
    { hint: 'rxpg tries again; set connect_timeout to bound every connection attempt' },
  );
}
