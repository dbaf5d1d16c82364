import { connect, createServer, type Socket } from 'node:net';

/** Which way bytes flow: from rxpg to the server, or from the server to rxpg. */
export type Direction = 'toServer' | 'toClient';

/**
 * What goes wrong on one connection, from byte `at` (counted from 0 in that direction):
 * - `stall`: nothing more is forwarded, not even the server's close; with `cutAfterMs`, both
 *   sockets are destroyed that long after;
 * - `cut`: the bytes before `at` are forwarded, then both sockets are destroyed;
 * - `delay`: every byte from `at` on is forwarded `ms` later;
 * - `corrupt`: `length` bytes from `at` on are replaced by bytes from `random`.
 */
export type Fault =
  | {
      readonly kind: 'stall';
      readonly direction: Direction;
      readonly at: number;
      /** Ends the stall with a cut after this long, as a kernel that gives up would. */
      readonly cutAfterMs?: number;
    }
  | { readonly kind: 'cut'; readonly direction: Direction; readonly at: number }
  | {
      readonly kind: 'delay';
      readonly direction: Direction;
      readonly at: number;
      readonly ms: number;
    }
  | {
      readonly kind: 'corrupt';
      readonly direction: Direction;
      readonly at: number;
      readonly length: number;
      readonly random: () => number;
    };

/** A TCP proxy on 127.0.0.1 in front of a real server, that injects faults on demand. */
export interface FaultProxy {
  readonly port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** Connections whose sockets are still open. */
  open(): number;
  /** Planned faults that took effect so far (their byte came), by kind and direction. */
  triggered(): Record<string, number>;
  /** Bytes that connection number `index` carried so far in `direction`, faults or not. */
  seen(index: number, direction: Direction): number;
  /** Faults of connections accepted from now on; the argument is the connection's number. */
  plan(faults: (index: number) => readonly Fault[]): void;
  /** Stops forwarding on every open connection, in both directions, closing nothing. */
  stallAll(): void;
  /** Destroys every open connection at once. */
  cutAll(): void;
  /** Resolves once no connection is open (or rejects after `ms`). */
  drained(ms?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A proxy that lets its first connection through and makes every later one (a cancel's)
 * reach the server `ms` late: a cancel then lands on whatever runs by that time.
 */
export async function lateCancelProxy(targetPort: number, ms = 400): Promise<FaultProxy> {
  const proxy = await faultProxy(targetPort);
  proxy.plan((index) => (index >= 1 ? [{ kind: 'delay', direction: 'toServer', at: 0, ms }] : []));
  return proxy;
}

/** Forwards connections to `127.0.0.1:targetPort`, with the faults planned for each. */
export async function faultProxy(targetPort: number): Promise<FaultProxy> {
  let accepted = 0;
  let planned: (index: number) => readonly Fault[] = () => [];
  const pairs = new Set<Pair>();
  const all: Pair[] = [];
  const server = createServer((client) => {
    const faults = planned(accepted);
    accepted += 1;
    const pair = new Pair(client, connect(targetPort, '127.0.0.1'), faults, () =>
      pairs.delete(pair),
    );
    pairs.add(pair);
    all.push(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    accepted: () => accepted,
    open: () => pairs.size,
    triggered() {
      const counts: Record<string, number> = {};
      for (const fault of all.flatMap((pair) => [...pair.triggered])) {
        const key = `${fault.kind} ${fault.direction}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    },
    seen: (index, direction) => all[index]?.seen[direction] ?? 0,
    plan(faults) {
      planned = faults;
    },
    stallAll() {
      for (const pair of pairs) pair.stall();
    },
    cutAll() {
      for (const pair of pairs) pair.destroy();
    },
    async drained(ms = 5_000) {
      const deadline = Date.now() + ms;
      while (pairs.size > 0) {
        if (Date.now() > deadline) throw new Error(`${pairs.size} proxied connections still open`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of pairs) pair.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One proxied connection: the client's socket, the server's, and their faults. */
class Pair {
  /** Bytes seen so far in each direction, faults or not. */
  readonly seen = { toServer: 0, toClient: 0 };
  /** Set when forwarding stopped for good in a direction. */
  private readonly stalled = { toServer: false, toClient: false };
  /** Delayed writes not yet made: cleared when the pair goes, so no timer outlives it. */
  private readonly timers = new Set<NodeJS.Timeout>();
  private gone = false;
  /** Faults whose byte has come. */
  readonly triggered = new Set<Fault>();

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    private readonly faults: readonly Fault[],
    private readonly onGone: () => void,
  ) {
    for (const socket of [client, upstream]) socket.on('error', () => undefined);
    // A network stalled towards rxpg carries no FIN either: rxpg must find out by itself. The
    // server is told at once when rxpg gives up, as its keepalives would tell it in the end.
    client.on('close', () => this.destroy());
    upstream.on('close', () => {
      if (!this.stalled.toClient) this.destroy();
    });
    client.on('data', (chunk: Buffer) => this.forward('toServer', chunk));
    upstream.on('data', (chunk: Buffer) => this.forward('toClient', chunk));
  }

  stall(): void {
    this.stalled.toServer = true;
    this.stalled.toClient = true;
  }

  destroy(): void {
    if (this.gone) return;
    this.gone = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.client.destroy();
    this.upstream.destroy();
    this.onGone();
  }

  private forward(direction: Direction, chunk: Buffer): void {
    const start = this.seen[direction];
    this.seen[direction] += chunk.length;
    if (this.stalled[direction] || this.gone) return;
    let bytes = Buffer.from(chunk);
    let delay = 0;
    for (const fault of this.faults) {
      if (fault.direction !== direction) continue;
      const offset = fault.at - start;
      if (offset < bytes.length) this.triggered.add(fault);
      switch (fault.kind) {
        case 'corrupt':
          for (
            let i = Math.max(0, offset);
            i < Math.min(bytes.length, offset + fault.length);
            i++
          ) {
            bytes[i] = Math.floor(fault.random() * 256);
          }
          break;
        case 'delay':
          if (offset < bytes.length) delay = Math.max(delay, fault.ms);
          break;
        case 'stall':
        case 'cut':
          if (offset < bytes.length) {
            bytes = bytes.subarray(0, Math.max(0, offset));
            this.stalled[direction] = true;
            if (fault.kind === 'cut') return this.send(direction, bytes, 0, true);
            if (fault.cutAfterMs !== undefined) this.later(() => this.destroy(), fault.cutAfterMs);
          }
          break;
        default: {
          const unknown: never = fault;
          throw new Error(`unknown fault ${JSON.stringify(unknown)}`);
        }
      }
    }
    this.send(direction, bytes, delay, false);
  }

  private send(direction: Direction, bytes: Buffer, delay: number, thenCut: boolean): void {
    const target = direction === 'toServer' ? this.upstream : this.client;
    const write = (): void => {
      if (this.gone) return;
      if (bytes.length === 0) {
        if (thenCut) this.destroy();
        return;
      }
      target.write(bytes, () => {
        if (thenCut) this.destroy();
      });
    };
    if (delay === 0) return write();
    this.later(write, delay);
  }

  /** Runs `work` after `ms`, unless the pair is gone by then. */
  private later(work: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      work();
    }, ms);
    this.timers.add(timer);
  }
}
