import type { Observable, Subscription } from 'rxjs';
import type { Connection } from '../connection/connection';

/**
 * Where a pooled connection is:
 * - `connecting`: being opened (socket, authentication, the onConnect hook);
 * - `idle`: open, waiting for a user;
 * - `leased`: lent to one query or transaction, or shared by single statements;
 * - `returning`: given back, being made clean (rolled back, waited for);
 * - `closed`: gone; the pool has forgotten it.
 */
export type SlotState = 'connecting' | 'idle' | 'leased' | 'returning' | 'closed';

/** What a slot tells its pool. @internal */
export interface SlotEvents {
  /** The connection is open and set up. */
  opened(slot: PoolSlot): void;
  /** The connection could not be opened, or ended: `error` is undefined for a close. */
  ended(slot: PoolSlot, error: unknown): void;
}

/**
 * One connection of the pool and what the pool knows of it. The connection
 * lives as long as the subscription to its opening observable; closing the
 * slot unsubscribes, which closes the connection or aborts its opening.
 * @internal
 */
export class PoolSlot {
  state: SlotState = 'connecting';
  /** Set once open. */
  connection: Connection | undefined;
  /**
   * Leases of single statements sharing the connection, pipelined; 0 when it is idle or lent
   * to one user alone.
   */
  sharers = 0;
  /** Sharers whose statement is not known to be quick: nothing more is pipelined behind them. */
  unknownSharers = 0;
  /** When the slot was made, for `maxLifetime`. */
  readonly createdAt = Date.now();
  /** The idle timeout (or the end of its lifetime) while the slot is idle. */
  private timer: NodeJS.Timeout | undefined;
  private subscription: Subscription | undefined;

  /**
   * Starts opening the connection; the slot must be known to the pool first (errors may be
   * synchronous).
   */
  start(open$: Observable<Connection>, events: SlotEvents): void {
    this.subscription = open$.subscribe({
      next: (connection) => {
        this.connection = connection;
        events.opened(this);
      },
      error: (error: unknown) => events.ended(this, error),
      complete: () => events.ended(this, undefined),
    });
    // Ended synchronously and was closed already: nothing may stay subscribed.
    if (this.state === 'closed') this.subscription.unsubscribe();
  }

  /** Runs `expire` after `ms` of idleness, unless the slot is used or closed first. */
  idleFor(ms: number, expire: () => void): void {
    this.stopTimer();
    if (!Number.isFinite(ms)) return;
    this.timer = setTimeout(expire, Math.max(0, ms));
    this.timer.unref();
  }

  stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Closes the connection (Terminate) or aborts its opening. */
  close(): void {
    this.state = 'closed';
    this.stopTimer();
    this.subscription?.unsubscribe();
  }
}
