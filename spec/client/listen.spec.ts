import { readFile } from 'node:fs/promises';
import { concat, filter, firstValueFrom, lastValueFrom, take, toArray, timeout } from 'rxjs';
import { createServer } from 'node:net';
import { Client, ErrorCode, type Notification } from '../../src';
import { CLEAN_ENV } from '../support/outcome';
import { useCluster } from '../support/cluster';
import { backends, clientOf, sleep } from './helpers';

const HOSTILE_CHANNELS = [
  'MixedCase',
  'lower',
  'with space',
  'quote"inside',
  "single'quote",
  '"; drop table x; --',
  'back\\slash',
  'ünïcødé ✓ 频道',
  '$1',
];

/** Resolves when LISTEN on `channel` took effect; call before subscribing. */
function listening(client: Client, channel: string): Promise<unknown> {
  return firstValueFrom(
    client.listenEvents$.pipe(
      filter((e) => e.kind === 'listening' && e.channel === channel),
      timeout(10_000),
    ),
  );
}

/**
 * Subscribes to `channel` and resolves once LISTEN took effect, with the promise of the next
 * `count` notifications (wrapped: an async function would wait for a promise it returns).
 */
async function listen(client: Client, channel: string, count: number) {
  const ready = listening(client, channel);
  const received = lastValueFrom(
    client.listen(channel).pipe(take(count), toArray(), timeout(10_000)),
  );
  await ready;
  return { received };
}

/** A port of 127.0.0.1 that nothing listens on (it was free a moment ago). */
function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe('Client LISTEN/NOTIFY against a real server', () => {
  const cluster = useCluster({ settings: { log_statement: 'all' } });

  it.each(HOSTILE_CHANNELS)(
    'delivers notifications of the channel %j, name taken as is',
    async (channel) => {
      await cluster().admin('create table if not exists x (id int)');
      const client = clientOf(cluster(), {}, 'rxpg-listen');
      const { received } = await listen(client, channel, 2);
      await lastValueFrom(client.notify(channel, 'from rxpg'));
      await cluster().admin('select pg_notify($1, $2)', [channel, 'from admin']);
      const notes = await received;
      expect(notes.map((n: Notification) => [n.channel, n.payload])).toEqual([
        [channel, 'from rxpg'],
        [channel, 'from admin'],
      ]);
      expect(notes[0].processId).toBeGreaterThan(0);
      expect(await cluster().admin("select to_regclass('x') is not null as kept")).toEqual([
        { kept: true },
      ]);
    },
  );

  it('keeps channels apart, whatever their case', async () => {
    const client = clientOf(cluster());
    const upper = await listen(client, 'Case', 1);
    const lower = await listen(client, 'case', 1);
    await lastValueFrom(client.notify('case', 'lower'));
    await lastValueFrom(client.notify('Case', 'upper'));
    expect((await upper.received).map((n) => n.payload)).toEqual(['upper']);
    expect((await lower.received).map((n) => n.payload)).toEqual(['lower']);
  });

  it('shares one connection among all listeners of all channels', async () => {
    const client = clientOf(cluster(), {}, 'rxpg-shared');
    const one = await listen(client, 'one', 1);
    // A second subscriber of a channel already listened to shares its LISTEN: nothing to wait for.
    const again = lastValueFrom(client.listen('one').pipe(take(1), toArray()));
    const others = await Promise.all([listen(client, 'two', 1), listen(client, 'three', 1)]);
    const all = [one.received, again, ...others.map((o) => o.received)];
    expect(await backends(cluster(), 'rxpg-shared')).toHaveLength(1);
    for (const channel of ['one', 'two', 'three']) {
      await cluster().admin('select pg_notify($1, $2)', [channel, channel]);
    }
    const payloads = await Promise.all(all);
    expect(payloads.map((notes) => notes[0].payload)).toEqual(['one', 'one', 'two', 'three']);
  });

  it('sends LISTEN for the first subscriber of a channel and UNLISTEN after its last', async () => {
    const client = clientOf(cluster());
    const channel = 'Counted Channel';
    const ready = listening(client, channel);
    const first = client.listen(channel).subscribe();
    const second = client.listen(channel).subscribe();
    const other = client.listen('keeps the connection').subscribe();
    await ready;
    first.unsubscribe();
    await sleep(100);
    second.unsubscribe();
    await sleep(200);
    const log = await readFile(cluster().logFile, 'utf8');
    const statements = log.split('\n').filter((line) => line.includes('"Counted Channel"'));
    expect(
      statements.filter((line) => /LISTEN "Counted Channel"/.test(line) && !/UNLISTEN/.test(line)),
    ).toHaveLength(1);
    expect(statements.filter((line) => line.includes('UNLISTEN "Counted Channel"'))).toHaveLength(
      1,
    );
    other.unsubscribe();
  });

  it('closes the listening connection when the last channel is left', async () => {
    const client = clientOf(cluster(), {}, 'rxpg-last');
    const ready = listening(client, 'only');
    const subscription = client.listen('only').subscribe();
    await ready;
    expect(await backends(cluster(), 'rxpg-last')).toHaveLength(1);
    subscription.unsubscribe();
    for (let i = 0; (await backends(cluster(), 'rxpg-last')).length > 0; i += 1) {
      if (i > 100) throw new Error('the listening connection stayed open');
      await sleep(20);
    }
  });

  it('reconnects and listens again after its backend is terminated, and says a gap occurred', async () => {
    const client = clientOf(cluster(), {}, 'rxpg-relisten');
    const events: string[] = [];
    client.listenEvents$.subscribe((e) =>
      events.push(e.kind === 'listening' ? `listening ${e.channel}` : e.kind),
    );
    const received: Notification[] = [];
    let ended = false;
    const readyA = listening(client, 'Alpha');
    const readyB = listening(client, 'beta gamma');
    client
      .listen('Alpha')
      .subscribe({ next: (n) => received.push(n), complete: () => (ended = true) });
    client
      .listen('beta gamma')
      .subscribe({ next: (n) => received.push(n), error: () => (ended = true) });
    await Promise.all([readyA, readyB]);
    const [before] = await backends(cluster(), 'rxpg-relisten');

    const relistened = Promise.all([listening(client, 'Alpha'), listening(client, 'beta gamma')]);
    await cluster().admin('select pg_terminate_backend($1)', [before.pid]);
    await relistened;
    const [after] = await backends(cluster(), 'rxpg-relisten');
    expect(after.pid).not.toBe(before.pid);

    await cluster().admin('select pg_notify($1, $2)', ['Alpha', 'after']);
    await cluster().admin('select pg_notify($1, $2)', ['beta gamma', 'after too']);
    for (let i = 0; received.length < 2; i += 1) {
      if (i > 200) throw new Error('no notification after the reconnection');
      await sleep(20);
    }
    expect(received.map((n) => `${n.channel}: ${n.payload}`)).toEqual([
      'Alpha: after',
      'beta gamma: after too',
    ]);
    expect(ended).toBe(false);
    expect(events.slice(2)).toEqual(['disconnected', 'listening Alpha', 'listening beta gamma']);
  });

  it('fails the subscribers of a channel the server refuses', async () => {
    const client = clientOf(cluster());
    await expect(lastValueFrom(client.listen(''))).rejects.toMatchObject({ code: '42601' });
    await expect(lastValueFrom(client.listen('nul\0inside'))).rejects.toMatchObject({
      code: ErrorCode.InvalidParameter,
    });
    const still = await listen(client, 'fine', 1);
    await lastValueFrom(client.notify('fine', 'ok'));
    expect((await still.received)[0].payload).toBe('ok');
  });

  it('delivers NOTIFY of a transaction when it commits, and nothing when it rolls back', async () => {
    const client = clientOf(cluster());
    const { received } = await listen(client, 'tx', 1);
    await expect(
      lastValueFrom(
        client.transaction((tx) => concat(tx.notify('tx', 'rolled back'), tx.query('select 1/0'))),
      ),
    ).rejects.toMatchObject({ code: '22012' });
    await lastValueFrom(client.transaction((tx) => tx.notify('tx', 'committed')));
    expect((await received).map((n) => n.payload)).toEqual(['committed']);
  });

  it('listens to a name longer than 63 bytes under the name the server cuts it to', async () => {
    const client = clientOf(cluster());
    const long = 'é'.repeat(40); // 80 bytes: the server keeps 31 characters (62 bytes)
    const ready = listening(client, 'é'.repeat(31));
    const received = lastValueFrom(client.listen(long).pipe(take(1), timeout(10_000)));
    await ready;
    await cluster().admin(`notify "${long}", 'cut'`);
    expect(await received).toMatchObject({ channel: 'é'.repeat(31), payload: 'cut' });
  });

  it('fails listeners when the first connection cannot be made', async () => {
    const port = await unusedPort();
    const client = new Client(
      { host: '127.0.0.1', port: String(port), user: 'nobody', sslmode: 'disable' },
      { env: CLEAN_ENV },
    );
    await expect(lastValueFrom(client.listen('anything'))).rejects.toMatchObject({
      code: ErrorCode.ConnectFailed,
    });
    client.closeNow();
  });

  it('completes every listener on close()', async () => {
    const client = clientOf(cluster());
    const ready = listening(client, 'closing');
    const done = lastValueFrom(client.listen('closing').pipe(toArray()));
    await ready;
    await client.close();
    expect(await done).toEqual([]);
  });
});
