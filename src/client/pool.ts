import { BehaviorSubject, distinctUntilChanged, Observable } from 'rxjs';
import type { Connection } from '../connection/connection';
import { cleanConnection } from './clean-connection';
import { acquireTimedOut, clientClosed, queueFull } from './pool-errors';
import type { PoolOptions } from './pool-options';
import { PoolSlot, type SlotEvents } from './pool-slot';
import type { PoolStats } from './pool-stats';

/**
 * A connection lent by the pool; `release` gives it back (once; later calls do nothing). @internal
 */
export interface Lease {
  readonly connection: Connection;
  release(): void;
}

/** A request waiting for a connection. */
interface Waiter {
  grant(lease: Lease): void;
  fail(error: unknown): void;
}

/**
 * Where the pool is: `open`; `draining` after close(), serving what was asked
 * before it; `closed` after closeNow() or once drained.
 */
type PoolState = 'open' | 'draining' | 'closed';

/**
 * Connections opened on demand up to `maxConnections`, lent one request at a
 * time, made clean when given back, and replaced when broken.
 * @internal
 */
export class Pool implements SlotEvents {
  private state: PoolState = 'open';
  private readonly slots = new Set<PoolSlot>();
  /** Idle slots, the most recently used last: it is lent first, so the others can time out. */
  private readonly idle: PoolSlot[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly statsSubject: BehaviorSubject<PoolStats>;
  /** Resolves when the last connection is gone after close() or closeNow(). */
  private readonly drained: Promise<void>;
  private resolveDrained: () => void = () => undefined;

  readonly stats$: Observable<PoolStats>;

  constructor(
    private readonly open$: Observable<Connection>,
    private readonly options: PoolOptions,
  ) {
    this.statsSubject = new BehaviorSubject(this.figures());
    this.stats$ = this.statsSubject.pipe(
      distinctUntilChanged(
        (a, b) => a.total === b.total && a.idle === b.idle && a.waiting === b.waiting,
      ),
    );
    this.drained = new Promise((resolve) => (this.resolveDrained = resolve));
  }

  get stats(): PoolStats {
    return this.figures();
  }

  /** Emits one lease and completes; unsubscribing while waiting leaves the queue. */
  acquire(): Observable<Lease> {
    return new Observable<Lease>((subscriber) => {
      if (this.state !== 'open') {
        subscriber.error(clientClosed());
        return undefined;
      }
      if (this.idle.length === 0 && this.full()) {
        subscriber.error(queueFull(this.options.maxWaiting));
        return undefined;
      }
      /** The acquire timeout, while waiting. */
      let timer: NodeJS.Timeout | undefined;
      /** Set once granted or failed: the waiter has left the queue, nothing to withdraw. */
      let settled = false;
      const waiter: Waiter = {
        grant: (lease) => {
          settled = true;
          clearTimeout(timer);
          subscriber.next(lease);
          subscriber.complete();
        },
        fail: (error) => {
          settled = true;
          clearTimeout(timer);
          subscriber.error(error);
        },
      };
      this.waiters.push(waiter);
      if (Number.isFinite(this.options.acquireTimeout)) {
        timer = setTimeout(() => this.timedOut(waiter), this.options.acquireTimeout);
        timer.unref();
      }
      this.dispatch();
      return () => {
        clearTimeout(timer);
        // A settled waiter is out of the queue already; searching it would cost O(waiters).
        if (!settled) this.withdraw(waiter);
      };
    });
  }

  /** Takes no new work; what was asked before runs, then every connection closes. */
  close(): Promise<void> {
    if (this.state === 'open') this.state = 'draining';
    this.dispatch();
    return this.drained;
  }

  /** Closes every connection at once: running work fails, waiting work fails. */
  closeNow(): void {
    this.state = 'closed';
    for (const waiter of this.waiters.splice(0)) waiter.fail(clientClosed());
    for (const slot of [...this.slots]) this.discard(slot);
    this.dispatch();
  }

  /** @internal */
  opened(slot: PoolSlot): void {
    if (slot.state !== 'connecting' || slot.connection === undefined) return;
    // Cleaned like a returning one: an onConnect hook may have left a transaction open.
    this.makeClean(slot, slot.connection);
  }

  /** @internal */
  ended(slot: PoolSlot, error: unknown): void {
    if (slot.state === 'closed') return;
    const failedToOpen = slot.state === 'connecting';
    this.discard(slot);
    // The first waiter learns why: with the server down, each waiter gets its own attempt's error.
    if (failedToOpen && error !== undefined) this.waiters.shift()?.fail(error);
    this.dispatch();
  }

  /** Lends idle connections to waiters, opens connections for the rest, closes what is unneeded. */
  private dispatch(): void {
    while (this.waiters.length > 0) {
      const slot = this.takeIdle();
      if (slot === undefined) break;
      const waiter = this.waiters.shift();
      if (waiter !== undefined) this.lend(slot, waiter);
    }
    let missing = this.waiters.length - this.count('connecting');
    while (missing > 0 && this.slots.size < this.options.maxConnections) {
      this.openSlot();
      missing -= 1;
    }
    if (this.state !== 'open' && this.waiters.length === 0) {
      for (const slot of this.idle.splice(0)) this.discard(slot);
      if (this.slots.size === 0) {
        this.state = 'closed';
        this.statsSubject.next(this.figures());
        this.statsSubject.complete();
        this.resolveDrained();
      }
    }
    this.statsSubject.next(this.figures());
  }

  private openSlot(): void {
    const slot = new PoolSlot();
    this.slots.add(slot);
    slot.start(this.open$, this);
  }

  private lend(slot: PoolSlot, waiter: Waiter): void {
    const connection = slot.connection;
    if (connection === undefined) return this.discard(slot);
    slot.state = 'leased';
    slot.stopTimer();
    let released = false;
    waiter.grant({
      connection,
      release: () => {
        if (released) return;
        released = true;
        this.giveBack(slot, connection);
      },
    });
  }

  private giveBack(slot: PoolSlot, connection: Connection): void {
    if (slot.state === 'leased') this.makeClean(slot, connection);
  }

  /** Idles the slot once its connection is clean, or discards it when it cannot be made so. */
  private makeClean(slot: PoolSlot, connection: Connection): void {
    slot.state = 'returning';
    cleanConnection(connection, this.options.cleanupTimeout).subscribe((clean) => {
      if (slot.state !== 'returning') return;
      if (clean) this.rest(slot);
      else this.discard(slot);
      this.dispatch();
    });
  }

  /** Makes an open slot idle, or closes it when it is not to be kept. */
  private rest(slot: PoolSlot): void {
    const unneeded = this.options.autoDisconnect && this.waiters.length === 0;
    if (this.expired(slot) || unneeded || this.state === 'closed') return this.discard(slot);
    slot.state = 'idle';
    this.idle.push(slot);
    const lifeLeft = this.options.maxLifetime - (Date.now() - slot.createdAt);
    slot.idleFor(Math.min(this.options.idleTimeout, lifeLeft), () => {
      if (slot.state !== 'idle') return;
      this.discard(slot);
      this.dispatch();
    });
  }

  /** The most recently used idle slot still fit for use; unfit ones are closed on the way. */
  private takeIdle(): PoolSlot | undefined {
    for (let slot = this.idle.pop(); slot !== undefined; slot = this.idle.pop()) {
      const connection = slot.connection;
      const usable =
        connection?.connectionState === 'ready' &&
        connection.transactionStatus === 'I' &&
        !this.expired(slot);
      if (usable) return slot;
      this.discard(slot);
    }
    return undefined;
  }

  private discard(slot: PoolSlot): void {
    slot.close();
    this.slots.delete(slot);
    const index = this.idle.indexOf(slot);
    if (index >= 0) this.idle.splice(index, 1);
  }

  private withdraw(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index < 0) return;
    this.waiters.splice(index, 1);
    this.dispatch();
  }

  private timedOut(waiter: Waiter): void {
    if (!this.waiters.includes(waiter)) return;
    this.withdraw(waiter);
    waiter.fail(acquireTimedOut(this.options.acquireTimeout));
  }

  /** True when a new request could neither get a connection nor wait for one. */
  private full(): boolean {
    if (this.slots.size < this.options.maxConnections) return false;
    const uncovered = this.waiters.length - this.count('connecting');
    return uncovered >= this.options.maxWaiting;
  }

  private expired(slot: PoolSlot): boolean {
    return Date.now() - slot.createdAt >= this.options.maxLifetime;
  }

  private count(state: PoolSlot['state']): number {
    let n = 0;
    for (const slot of this.slots) if (slot.state === state) n += 1;
    return n;
  }

  private figures(): PoolStats {
    return {
      total: this.slots.size,
      idle: this.idle.length,
      waiting: this.waiters.length,
    };
  }
}
