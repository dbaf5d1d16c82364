import { join, sep } from 'node:path';
import { filter, firstValueFrom, lastValueFrom, timeout, type Subscription } from 'rxjs';
import type { Client, ClientOptions, ListenEvent } from '../../src';
import type { Direction } from '../support/fault-proxy';
import { useFaultProxy } from './fault-setup';
import { clientVia, eventually } from './helpers';
import { codeOf, sleep, watchTimers, type TimerWatch } from './watch';

/** Checks often and short, so that a stall is found in well under a second. */
const CHECKS = { listenCheckInterval: 200, listenCheckTimeout: 300 };
/** The longest a stall may go unnoticed: a wait, an unanswered check, and room for a busy machine. */
const NOTICED_WITHIN_MS = CHECKS.listenCheckInterval + CHECKS.listenCheckTimeout + 1_500;
/** An empty Query message: 'Q', its length (4 bytes) and the empty string's terminator. */
const EMPTY_QUERY_BYTES = 6;
/** rxpg's own code: the timers it makes are watched. */
const SOURCES = join(__dirname, '..', '..', 'src') + sep;

const { cluster, proxy, nothingLeft } = useFaultProxy();

let timers: TimerWatch | undefined;
/** Clients of the test, closed after it even when it fails, so that it disturbs no other. */
const made: Client[] = [];
beforeEach(() => {
  timers = watchTimers(SOURCES);
});
afterEach(() => {
  timers?.stop();
  for (const client of made.splice(0)) client.closeNow();
});

/** A Client through the proxy. */
function listeningClient(options: ClientOptions): Client {
  const client = clientVia(cluster(), proxy().port, options);
  made.push(client);
  return client;
}

/** The next event of `kind` on the client's listening connection. */
function next<K extends ListenEvent['kind']>(
  client: Client,
  kind: K,
): Promise<Extract<ListenEvent, { kind: K }>> {
  return firstValueFrom(
    client.listenEvents$.pipe(
      filter((event): event is Extract<ListenEvent, { kind: K }> => event.kind === kind),
      timeout(10_000),
    ),
  );
}

/**
 * A stall of the proxied connection number `index` in `direction`, from the moment `start` is
 * called: planned at a byte that is moved to the next one to come.
 */
function stallLater(index: number, direction: Direction): { start(): void } {
  const fault = { kind: 'stall' as const, direction, at: Number.MAX_SAFE_INTEGER };
  proxy().plan((i) => (i === index ? [fault] : []));
  return {
    start: () => {
      fault.at = proxy().seen(index, direction);
    },
  };
}

/** Listens on `channel` until LISTEN took effect; `received` collects the payloads. */
async function listenTo(
  client: Client,
  channel: string,
): Promise<{ received: string[]; subscription: Subscription }> {
  const ready = next(client, 'listening');
  const received: string[] = [];
  const subscription = client.listen(channel).subscribe((n) => received.push(n.payload));
  await ready;
  return { received, subscription };
}

/** Sends `payload` on `channel` and checks it is what the listener got, and all it got. */
async function heardAgain(
  client: Client,
  channel: string,
  payload: string,
  received: readonly string[],
): Promise<void> {
  await lastValueFrom(client.notify(channel, payload));
  await eventually(() => received.length > 0);
  expect(received).toEqual([payload]);
}

/** Stops listening, closes the client, and checks nothing of it is left. */
async function endAll(client: Client, subscription: Subscription): Promise<void> {
  subscription.unsubscribe();
  await client.close();
  await nothingLeftAtAll();
}

/** No timer of rxpg left, unref'd ones included, then no socket, timer or session at all. */
async function nothingLeftAtAll(): Promise<void> {
  await eventually(() => timers?.pending() === 0, 3_000);
  await nothingLeft();
}

describe('the listening connection over a network that stalls', () => {
  it.each<Direction>(['toServer', 'toClient'])(
    'a stall %s is found by the check: disconnected with RXPG_TIMEOUT, listening again, and a later NOTIFY is delivered',
    async (direction) => {
      const client = listeningClient(CHECKS);
      const events: string[] = [];
      client.listenEvents$.subscribe((e) =>
        events.push(
          e.kind === 'listening' ? `listening ${e.channel}` : `disconnected ${codeOf(e.error)}`,
        ),
      );
      const stall = stallLater(proxy().accepted(), direction);
      const { received, subscription } = await listenTo(client, 'stalled');

      const lost = next(client, 'disconnected');
      const relistened = next(client, 'listening');
      const started = Date.now();
      stall.start();
      expect(codeOf((await lost).error)).toBe('RXPG_TIMEOUT');
      const ms = Date.now() - started;
      // A check met the stall and waited its whole timeout before giving up.
      expect(proxy().triggered()).toEqual({ [`stall ${direction}`]: 1 });
      expect(ms).toBeGreaterThanOrEqual(CHECKS.listenCheckTimeout - 10);
      expect(ms).toBeLessThan(NOTICED_WITHIN_MS);

      await relistened;
      expect(events).toEqual([
        'listening stalled',
        'disconnected RXPG_TIMEOUT',
        'listening stalled',
      ]);
      await heardAgain(client, 'stalled', 'after the stall', received);
      await endAll(client, subscription);
    },
  );

  it('a stall both ways is found too, and a later NOTIFY is delivered', async () => {
    const client = listeningClient(CHECKS);
    const { received, subscription } = await listenTo(client, 'all stalled');

    const lost = next(client, 'disconnected');
    const relistened = next(client, 'listening');
    proxy().stallAll();
    expect(codeOf((await lost).error)).toBe('RXPG_TIMEOUT');
    await relistened;
    await heardAgain(client, 'all stalled', 'back', received);
    await endAll(client, subscription);
  });

  it('gives up a reconnection the stalled network holds too, and listens again once it recovers', async () => {
    const client = listeningClient(CHECKS);
    const first = proxy().accepted();
    const stall = { kind: 'stall' as const, direction: 'toClient' as const, at: Infinity };
    let newOnesStall = false;
    // The listening connection stalls later; new connections stall from their first byte while
    // the network is down (without connect_timeout, only rxpg's own bound ends their attempt).
    proxy().plan((index) =>
      index === first
        ? [stall]
        : newOnesStall
          ? [{ kind: 'stall', direction: 'toClient', at: 0 }]
          : [],
    );
    const { received, subscription } = await listenTo(client, 'down');

    const lost = next(client, 'disconnected');
    newOnesStall = true;
    stall.at = proxy().seen(first, 'toClient');
    expect(codeOf((await lost).error)).toBe('RXPG_TIMEOUT');
    const relistened = next(client, 'listening');
    // Several attempts meet the stall and are given up.
    await eventually(() => proxy().accepted() >= first + 3, 5_000);
    newOnesStall = false;
    const recovered = Date.now();
    await relistened;
    expect(Date.now() - recovered).toBeLessThan(4_000);
    await heardAgain(client, 'down', 'back', received);
    await endAll(client, subscription);
  });

  it('checks the listening connection every listenCheckInterval, and stops with its last channel', async () => {
    const client = listeningClient({
      listenCheckInterval: 50,
      listenCheckTimeout: 1_000,
    });
    const index = proxy().accepted();
    const ready = next(client, 'listening');
    const subscription = client.listen('checked').subscribe();
    await ready;
    const before = proxy().seen(index, 'toServer');
    await sleep(1_000);
    const checks = (proxy().seen(index, 'toServer') - before) / EMPTY_QUERY_BYTES;
    // About one every 50 ms plus a round trip; timers run late on a busy machine.
    expect(checks).toBeGreaterThanOrEqual(5);
    expect(checks).toBeLessThanOrEqual(21);

    subscription.unsubscribe();
    await proxy().drained();
    await client.close();
    await nothingLeftAtAll();
  });

  it('stops checking when the client closes', async () => {
    const client = listeningClient({
      listenCheckInterval: 20,
      listenCheckTimeout: 1_000,
    });
    const ready = next(client, 'listening');
    const done = lastValueFrom(client.listen('closing'), { defaultValue: undefined });
    await ready;
    await sleep(200);
    await client.close();
    await done;
    await nothingLeftAtAll();
  });

  it('sends no check with listenCheckInterval 0', async () => {
    const client = listeningClient({ listenCheckInterval: 0 });
    const index = proxy().accepted();
    const ready = next(client, 'listening');
    const subscription = client.listen('unchecked').subscribe();
    await ready;
    const before = proxy().seen(index, 'toServer');
    await sleep(500);
    expect(proxy().seen(index, 'toServer')).toBe(before);
    subscription.unsubscribe();
    await client.close();
    await nothingLeftAtAll();
  });
});
