import { lastValueFrom, timeout, TimeoutError } from 'rxjs';
import { Client, DatabaseError, ErrorCode, RxpgError } from '../../src';
import type { Cluster } from '../support/cluster';
import { faultProxy, type Fault, type FaultProxy } from '../support/fault-proxy';
import { CLEAN_ENV } from '../support/outcome';
import { eventually, seeded } from './helpers';
import { keepListening } from './soak-listener';
import { operation, WRITES_TABLE, type Operation, type OperationKind } from './soak-operations';
import { activeResources, codeOf, expectNothingLeftOpen } from './watch';

/** How a soak run is shaped. */
export interface SoakOptions {
  readonly operations: number;
  /** Operations running at once. */
  readonly concurrency: number;
  /** Share of new proxied connections that get a fault (0..1). */
  readonly faultRate: number;
  readonly seed: number;
}

/** The figures of a run; everything under `lost` must be zero. */
export interface SoakReport {
  readonly operations: number;
  readonly ms: number;
  /** Faults planned on connections, and how many of them took effect. */
  readonly faultsInjected: number;
  readonly faultsTriggered: Record<string, number>;
  readonly outcomes: Record<string, number>;
  /** Losses of the LISTEN connection (`disconnected` events), by code. */
  readonly listenGaps: Record<string, number>;
  readonly writes: {
    readonly toldCommitted: number;
    readonly toldFailed: number;
    readonly unknown: number;
    readonly rowsOnServer: number;
  };
  readonly lost: {
    /** Told committed, but not on the server. */
    readonly committedMissing: number;
    /** Told failed, but on the server. */
    readonly failedPresent: number;
    /** On the server, but never attempted (or attempted twice). */
    readonly unaccounted: number;
    /** Errors without a stable code. */
    readonly uncoded: number;
    /** Operations that did not end within the watchdog's bound. */
    readonly hung: number;
    /** The listener kept for the whole run errored or completed. */
    readonly listenerEnded: number;
    /** That listener heard nothing once the faults stopped. */
    readonly listenerDeaf: number;
  };
}

/** What became of the listener kept for the whole run. */
interface ListeningOutcome {
  readonly gaps: Readonly<Record<string, number>>;
  readonly ended: boolean;
  readonly deaf: boolean;
}

/** Each operation ends by itself or by its own timeout well before the watchdog's bound. */
const OPERATION_TIMEOUT_MS = 3_000;
/** The LISTEN connection is checked often, so that the stalls it meets are found in a second. */
const LISTEN_CHECK_MS = 500;
const WATCHDOG_MS = 15_000;
const MAX_CONNECTIONS = 6;
const APPLICATION_NAME = 'rxpg-soak';

/** Errors that tell the write did not happen: the server refused it before COMMIT. */
const REFUSED = new Set<string>(['22012', ErrorCode.TransactionRolledBack]);

/** How often each operation kind is picked, out of the sum. */
const MIX: readonly (readonly [OperationKind, number])[] = [
  ['query', 30],
  ['statement', 25],
  ['rows', 5],
  ['cancel', 10],
  ['transaction', 20],
  ['failing-transaction', 5],
  ['listen', 5],
];

/**
 * Runs a mix of queries, cancellations, transactions and listens through a fault proxy that
 * cuts, stalls, delays and corrupts connections at random, then checks that everything ended,
 * the pool is consistent, the server has no session left, and every write is accounted for.
 */
export async function runSoak(cluster: Cluster, options: SoakOptions): Promise<SoakReport> {
  const random = seeded(options.seed);
  await cluster.admin(`create table if not exists ${WRITES_TABLE} (id int primary key)`);
  await cluster.admin(`truncate ${WRITES_TABLE}`);
  const proxy = await faultProxy(cluster.port);
  const before = activeResources();
  let faultsInjected = 0;
  // Connections dropped or stalled by the periodic faults of everything: they always take effect.
  let cuts = 0;
  let stalls = 0;
  const client = soakClient(cluster, proxy.port);
  // Listening starts before the faults: only a first connection that fails ends listeners.
  const listener = keepListening(client);
  await listener.ready;
  proxy.plan(() => {
    if (random() >= options.faultRate) return [];
    faultsInjected += 1;
    return [randomFault(random)];
  });
  const started = Date.now();
  const ledger = new Ledger();
  let id = 0;
  const nextId = () => ++id;
  const run = async (index: number): Promise<void> => {
    // Now and then the network drops every connection at once.
    if (index % 2_000 === 1_999) cuts += cutEverything(proxy);
    // And now and then it stalls every connection, for good: the LISTEN connection's too.
    if (index % 1_000 === 499) stalls += stallEverything(proxy);
    const op = operation(client, pick(random), random, nextId);
    ledger.record(op, await settle(op));
  };
  await inParallel(options.operations, options.concurrency, run);
  proxy.plan(() => []);
  await poolSettles(client);
  const listening = {
    gaps: listener.gaps,
    ended: listener.ended(),
    deaf: !(await listener.hearsAgain()),
  };
  listener.stop();
  await client.close();
  await proxy.drained(10_000);
  await expectNothingLeftOpen(before, 5_000);
  await eventually(async () => (await sessions(cluster)) === 0, 10_000);
  const rows = await cluster.admin<{ id: number }>(`select id from ${WRITES_TABLE}`);
  const faults = {
    injected: faultsInjected + cuts + stalls,
    triggered: {
      ...proxy.triggered(),
      'cut of every connection': cuts,
      'stall of every connection': stalls,
    },
  };
  await proxy.close();
  return ledger.report(options.operations, Date.now() - started, faults, rows, listening);
}

/** The soak's Client, through the proxy at `port`. */
function soakClient(cluster: Cluster, port: number): Client {
  return new Client(
    {
      host: '127.0.0.1',
      port: String(port),
      dbname: 'postgres',
      user: cluster.user,
      sslmode: 'disable',
      connect_timeout: '2',
      application_name: APPLICATION_NAME,
    },
    // Connections live half a second, so that many new ones meet the faults planned for them.
    {
      env: CLEAN_ENV,
      maxConnections: MAX_CONNECTIONS,
      cancelTimeout: 500,
      maxLifetime: 500,
      listenCheckInterval: LISTEN_CHECK_MS,
      listenCheckTimeout: LISTEN_CHECK_MS,
    },
  );
}

/** The outcome of one operation: 'ok', 'own timeout', a code, or 'HUNG'. */
async function settle(op: Operation): Promise<string> {
  let watchdog: NodeJS.Timeout | undefined;
  const hung = new Promise<string>((resolve) => {
    watchdog = setTimeout(() => resolve('HUNG'), WATCHDOG_MS);
  });
  const ended = lastValueFrom(op.work.pipe(timeout(OPERATION_TIMEOUT_MS)), {
    defaultValue: undefined,
  }).then(
    () => 'ok',
    (error: unknown) => outcomeOf(error),
  );
  try {
    return await Promise.race([ended, hung]);
  } finally {
    clearTimeout(watchdog);
  }
}

function outcomeOf(error: unknown): string {
  if (error instanceof TimeoutError) return 'own timeout';
  const code =
    error instanceof RxpgError || error instanceof DatabaseError ? codeOf(error) : undefined;
  return (
    code ?? `UNCODED ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`
  );
}

/** Tallies outcomes and writes. */
class Ledger {
  private readonly outcomes: Record<string, number> = {};
  private readonly committed = new Set<number>();
  private readonly failed = new Set<number>();
  private readonly unknown = new Set<number>();

  record(op: Operation, outcome: string): void {
    const key = `${op.kind}: ${outcome}`;
    this.outcomes[key] = (this.outcomes[key] ?? 0) + 1;
    const writes = op.writes;
    if (writes === undefined) return;
    let into = this.unknown;
    if (outcome === 'ok') into = writes.doomed ? this.failed : this.committed;
    else if (REFUSED.has(outcome)) into = this.failed;
    for (const id of writes.ids) into.add(id);
  }

  report(
    operations: number,
    ms: number,
    faults: { injected: number; triggered: Record<string, number> },
    rows: readonly { id: number }[],
    listening: ListeningOutcome,
  ): SoakReport {
    const onServer = new Set(rows.map((r) => r.id));
    const count = (ids: Set<number>, keep: (id: number) => boolean) => [...ids].filter(keep).length;
    const tally = (match: (outcome: string) => boolean) =>
      Object.entries(this.outcomes)
        .filter(([key]) => match(key.slice(key.indexOf(': ') + 2)))
        .reduce((sum, [, n]) => sum + n, 0);
    return {
      operations,
      ms,
      faultsInjected: faults.injected,
      faultsTriggered: faults.triggered,
      outcomes: this.outcomes,
      listenGaps: listening.gaps,
      writes: {
        toldCommitted: this.committed.size,
        toldFailed: this.failed.size,
        unknown: this.unknown.size,
        rowsOnServer: onServer.size,
      },
      lost: {
        committedMissing: count(this.committed, (id) => !onServer.has(id)),
        failedPresent: count(this.failed, (id) => onServer.has(id)),
        unaccounted: count(onServer, (id) => !this.committed.has(id) && !this.unknown.has(id)),
        uncoded: tally((o) => o.startsWith('UNCODED')),
        hung: tally((o) => o === 'HUNG'),
        listenerEnded: listening.ended ? 1 : 0,
        listenerDeaf: listening.deaf ? 1 : 0,
      },
    };
  }
}

/** Runs `count` tasks, `concurrency` at a time. */
async function inParallel(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function pick(random: () => number): OperationKind {
  const total = MIX.reduce((sum, [, weight]) => sum + weight, 0);
  let at = random() * total;
  for (const [kind, weight] of MIX) {
    at -= weight;
    if (at < 0) return kind;
  }
  return 'query';
}

/**
 * A fault somewhere in the first 8 kB of a connection, most of them early. Bytes to the
 * server are never corrupted: a changed id in an INSERT would be a different, valid write,
 * which no client can detect, so the ledger could not account for it.
 */
function randomFault(random: () => number): Fault {
  const at = Math.floor(random() * random() * 8_000);
  const direction = random() < 0.5 ? 'toClient' : 'toServer';
  const roll = random();
  if (roll < 0.3) return { kind: 'cut', direction, at };
  // A stall never ends: whatever it holds must end by its own bounds (the operation's timeout,
  // cancelTimeout, the pool's clean-up, connect_timeout, the LISTEN connection's check).
  if (roll < 0.5) return { kind: 'stall', direction, at };
  if (roll < 0.7) return { kind: 'delay', direction, at, ms: 20 + Math.floor(random() * 300) };
  return {
    kind: 'corrupt',
    direction: 'toClient',
    at,
    length: 1 + Math.floor(random() * 8),
    random,
  };
}

function stallEverything(proxy: FaultProxy): number {
  const open = proxy.open();
  proxy.stallAll();
  return open;
}

function cutEverything(proxy: FaultProxy): number {
  const open = proxy.open();
  proxy.cutAll();
  return open;
}

/** Waits until no work waits and every open connection is idle, within the pool's bound. */
async function poolSettles(client: Client): Promise<void> {
  await eventually(() => {
    const { total, idle, waiting } = client.stats;
    return waiting === 0 && total === idle && total <= MAX_CONNECTIONS;
  }, 10_000).catch((error: unknown) => {
    throw new Error(`the pool did not settle: ${JSON.stringify(client.stats)}`, { cause: error });
  });
}

async function sessions(cluster: Cluster): Promise<number> {
  const rows = await cluster.admin<{ n: string }>(
    'select count(*) as n from pg_stat_activity where application_name = $1',
    [APPLICATION_NAME],
  );
  return Number(rows[0]?.n ?? 0);
}
