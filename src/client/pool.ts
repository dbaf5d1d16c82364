import { BehaviorSubject, distinctUntilChanged, Observable } from 'rxjs';
import type { Connection } from '../connection/connection';
import { Fifo } from '../fifo';
import { cleanConnection } from './clean-connection';
import { acquireTimedOut, clientClosed, queueFull } from './pool-errors';
import type { PoolOptions } from './pool-options';
import { PoolSlot, type SlotEvents } from './pool-slot';
import { QuickStatements } from './quick-statements';
import type { PoolStats } from './pool-stats';

/**
 * A connection lent by the pool; `release` gives it back (once; later calls do nothing). @internal
 */
export interface Lease {
  readonly connection: Connection;
  /**
   * `succeeded`: the statement ran to its end without error, so its time tells
   * whether it is quick; a statement withdrawn or failed teaches nothing.
   */
  release(succeeded?: boolean): void;
}

/** A request for a connection, waiting until it is granted one or failed. @internal */
export interface Waiter {
  /**
   * The SQL of a single statement that may share a connection with others, pipelined (see
   * {@link Pool.acquire}); undefined for work that needs a connection of its own.
   */
  readonly statement?: string;
  grant(lease: Lease): void;
  fail(error: unknown): void;
}

const noop = (): void => undefined;

/**
 * A connection whose server has answered nothing for this long is busy with
 * something slow: statements pipelined behind it would wait as long, so they
 * wait in the pool for whichever connection comes free first.
 */
const SHARE_WHILE_ANSWERED_WITHIN_MS = 10;

/**
 * Where the pool is: `open`; `draining` after close(), serving what was asked
 * before it; `closed` after closeNow() or once drained.
 */
type PoolState = 'open' | 'draining' | 'closed';

/**
 * Connections opened on demand up to `maxConnections`, made clean when given
 * back, and replaced when broken. A connection is lent to one user at a time,
 * except to single statements once every connection is open or being opened: up to
 * `pipelineDepth` of them then share one, pipelined, so that small queries do
 * not each wait for a round trip.
 * @internal
 */
export class Pool implements SlotEvents {
  private state: PoolState = 'open';
  private readonly slots = new Set<PoolSlot>();
  /** Idle slots, the most recently used last: it is lent first, so the others can time out. */
  private readonly idle: PoolSlot[] = [];
  /** Slots lent to single statements that share them. */
  private readonly shared = new Set<PoolSlot>();
  /** Which statements are quick: only behind those are others pipelined. */
  private readonly quick = new QuickStatements();
  private readonly waiters = new Fifo<Waiter>();
  /** The acquire timeouts of waiters, when `acquireTimeout` is set. */
  private readonly timers = new Map<Waiter, NodeJS.Timeout>();
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

  /**
   * Queues `waiter` for a connection: it is granted a lease, or failed, once.
   * Returns what takes it out of the queue (nothing once it was served). A
   * waiter with a `statement` is one statement that leaves the connection as
   * it found it (no transaction begun): it may be pipelined with others.
   */
  acquire(waiter: Waiter): () => void {
    if (this.state !== 'open') {
      waiter.fail(clientClosed());
      return noop;
    }
    // Room on a shared connection counts only when no one waits: the queue is served in order.
    const room =
      waiter.statement !== undefined && this.waiters.size === 0 && this.roomToShare() !== undefined;
    if (this.idle.length === 0 && !room && this.full()) {
      waiter.fail(queueFull(this.options.maxWaiting));
      return noop;
    }
    this.waiters.push(waiter);
    if (Number.isFinite(this.options.acquireTimeout)) {
      const timer = setTimeout(() => this.timedOut(waiter), this.options.acquireTimeout);
      timer.unref();
      this.timers.set(waiter, timer);
    }
    this.dispatch();
    return () => this.withdraw(waiter);
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
    for (const waiter of this.waiters.drain()) {
      this.stopTimer(waiter);
      waiter.fail(clientClosed());
    }
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
    const first = this.waiters.first();
    if (failedToOpen && error !== undefined && first !== undefined) {
      this.leave(first);
      first.fail(error);
    }
    this.dispatch();
  }

  /** Lends idle connections to waiters, opens connections for the rest, closes what is unneeded. */
  private dispatch(): void {
    // First come, first served: a waiter that needs a connection of its own holds back the
    // single statements behind it, so that shared connections drain for it.
    for (let waiter = this.waiters.first(); waiter !== undefined; waiter = this.waiters.first()) {
      const slot =
        this.takeIdle() ?? (waiter.statement !== undefined ? this.roomToShare() : undefined);
      if (slot === undefined) break;
      this.leave(waiter);
      this.lend(slot, waiter);
    }
    let missing = this.waiters.size - this.count('connecting');
    while (missing > 0 && this.slots.size < this.options.maxConnections) {
      this.openSlot();
      missing -= 1;
    }
    if (this.state !== 'open' && this.waiters.size === 0) {
      for (const slot of this.idle.splice(0)) this.discard(slot);
      if (this.slots.size === 0) {
        this.state = 'closed';
        this.statsSubject.next(this.figures());
        this.statsSubject.complete();
        this.resolveDrained();
      }
    }
    this.publishStats();
  }

  /** Emits the figures when they changed: dispatch runs for every query, they rarely move. */
  private publishStats(): void {
    const last = this.statsSubject.value;
    const idle = this.idle.length;
    const waiting = this.waiters.size;
    if (last.total !== this.slots.size || last.idle !== idle || last.waiting !== waiting) {
      this.statsSubject.next(this.figures());
    }
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
    const statement = waiter.statement;
    let done: (succeeded: boolean) => void;
    if (statement === undefined) {
      done = () => this.giveBack(slot, connection);
    } else {
      const quick = this.quick.isQuick(statement);
      slot.sharers += 1;
      if (!quick) slot.unknownSharers += 1;
      this.shared.add(slot);
      const lentAt = performance.now();
      done = (succeeded) => {
        if (succeeded) this.quick.timed(statement, performance.now() - lentAt);
        if (!quick) slot.unknownSharers -= 1;
        this.unshare(slot, connection);
      };
    }
    let released = false;
    waiter.grant({
      connection,
      release: (succeeded = false) => {
        if (released) return;
        released = true;
        done(succeeded);
      },
    });
  }

  private giveBack(slot: PoolSlot, connection: Connection): void {
    if (slot.state === 'leased') this.makeClean(slot, connection);
  }

  /** A shared lease ends: the last one gives the connection back, the others make room. */
  private unshare(slot: PoolSlot, connection: Connection): void {
    if (slot.state !== 'leased') return;
    slot.sharers -= 1;
    if (slot.sharers > 0) return this.dispatch();
    this.shared.delete(slot);
    this.giveBack(slot, connection);
  }

  /**
   * The shared connection with the fewest sharers that can take one more, once no connection
   * is left to open: until then a statement gets a connection of its own, so that heavy queries
   * run side by side rather than one behind the other.
   */
  private roomToShare(): PoolSlot | undefined {
    if (this.slots.size < this.options.maxConnections) return undefined;
    let best: PoolSlot | undefined;
    for (const slot of this.shared) {
      const connection = slot.connection;
      const fit =
        slot.sharers < this.options.pipelineDepth &&
        !this.expired(slot) &&
        (connection?.connectionState === 'ready' || connection?.connectionState === 'busy') &&
        connection.transactionStatus === 'I' &&
        slot.unknownSharers === 0 &&
        connection.waitingFor < SHARE_WHILE_ANSWERED_WITHIN_MS;
      if (fit && (best === undefined || slot.sharers < best.sharers)) best = slot;
    }
    return best;
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
    const unneeded = this.options.autoDisconnect && this.waiters.size === 0;
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
    this.shared.delete(slot);
    const index = this.idle.indexOf(slot);
    if (index >= 0) this.idle.splice(index, 1);
  }

  /** A waiter that left the queue before it was served. */
  private withdraw(waiter: Waiter): void {
    if (this.leave(waiter)) this.dispatch();
  }

  private timedOut(waiter: Waiter): void {
    if (!this.leave(waiter)) return;
    this.dispatch();
    waiter.fail(acquireTimedOut(this.options.acquireTimeout));
  }

  /** Takes `waiter` out of the queue, with its timeout; true when it was there. */
  private leave(waiter: Waiter): boolean {
    this.stopTimer(waiter);
    return this.waiters.delete(waiter);
  }

  private stopTimer(waiter: Waiter): void {
    const timer = this.timers.get(waiter);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(waiter);
  }

  /** True when a new request could neither get a connection nor wait for one. */
  private full(): boolean {
    if (this.slots.size < this.options.maxConnections) return false;
    const uncovered = this.waiters.size - this.count('connecting');
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
      waiting: this.waiters.size,
    };
  }
}
