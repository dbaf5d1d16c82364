import { lastValueFrom, map, toArray } from 'rxjs';
import { ErrorCode, RxpgError, type Client } from '../../src';
import { useCluster } from '../support/cluster';
import { backends, clientOf, eventually, sleep } from './helpers';

const QUICK = 'select $1::int as n';

/** Runs the quick statement once, so that the pool knows it is quick. */
const learn = (client: Client) => lastValueFrom(client.executeStatement(QUICK, [0]));

/** Subscribes `count` quick statements at once; resolves with their values, in order. */
function quickBurst(client: Client, count: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      lastValueFrom(client.executeStatement<{ n: number }>(QUICK, [i]).pipe(map((r) => r.n))),
    ),
  );
}

async function outcome(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'ok';
  } catch (error) {
    return error instanceof RxpgError ? error.code : ((error as { code?: string }).code ?? '?');
  }
}

describe('Client: single statements share busy connections, pipelined', () => {
  const cluster = useCluster();

  it('lends one connection to up to pipelineDepth quick statements at once; the rest wait', async () => {
    const client = clientOf(cluster(), { maxConnections: 1, pipelineDepth: 4 });
    await learn(client);
    const burst = quickBurst(client, 10);
    // Four are on the connection, pipelined; six wait for room on it.
    expect(client.stats).toEqual({ total: 1, idle: 0, waiting: 6 });
    expect(await burst).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(client.stats).toEqual({ total: 1, idle: 1, waiting: 0 });
  });

  it('serves 2,000 statements over 2 connections, each with its own value', async () => {
    const client = clientOf(cluster(), { maxConnections: 2 }, 'rxpg-share-many');
    await learn(client);
    const values = await quickBurst(client, 2_000);
    expect(values).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
    expect((await backends(cluster(), 'rxpg-share-many')).length).toBeLessThanOrEqual(2);
  });

  it('opens every connection before sharing one', async () => {
    const client = clientOf(cluster(), { maxConnections: 3 }, 'rxpg-share-open');
    await learn(client);
    await quickBurst(client, 30);
    expect(client.stats.total).toBe(3);
  });

  it('pipelines nothing behind a statement it has not seen finish quickly', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 });
    await learn(client);
    const slow = lastValueFrom(client.query('select pg_sleep(0.3)'));
    const quick = quickBurst(client, 3);
    expect(client.stats.waiting).toBe(3);
    await slow;
    expect(await quick).toEqual([0, 1, 2]);
  });

  it('pipelines nothing more behind a quick statement that turned slow', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 });
    const sleepy = (s: number) =>
      lastValueFrom(client.executeStatement('select pg_sleep($1)', [s]));
    await sleepy(0);
    await learn(client);
    const slow = sleepy(0.4);
    // Known quick, it may take company at first; once the server has answered nothing for a
    // while, new statements wait in the pool instead.
    await sleep(100);
    const quick = quickBurst(client, 2);
    expect(client.stats.waiting).toBe(2);
    await slow;
    expect(await quick).toEqual([0, 1]);
  });

  it('never shares a connection with a statement that may open a transaction', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 }, 'rxpg-share-begin');
    await learn(client);
    await lastValueFrom(client.query('begin'), { defaultValue: undefined });
    await eventually(() => client.stats.idle === 1); // rolled back by the pool
    // BEGIN again, now known to be quick: still alone, so nothing runs inside its transaction.
    const begin = lastValueFrom(client.query('begin'), { defaultValue: undefined });
    const quick = quickBurst(client, 2);
    expect(client.stats.waiting).toBe(2);
    await begin;
    expect(await quick).toEqual([0, 1]);
    // The pool rolled the transaction back: the connection is idle outside one.
    const [session] = await backends(cluster(), 'rxpg-share-begin');
    expect(session?.state).toBe('idle');
  });

  it('an error fails only its own statement; the others on the connection succeed', async () => {
    const client = clientOf(cluster(), { maxConnections: 1, pipelineDepth: 8 });
    const divide = 'select 10 / $1::int as n';
    await lastValueFrom(client.executeStatement(divide, [1]));
    const outcomes = await Promise.all(
      [5, 0, 2, 0, 1].map((d) => outcome(lastValueFrom(client.executeStatement(divide, [d])))),
    );
    expect(outcomes).toEqual(['ok', '22012', 'ok', '22012', 'ok']);
    expect(client.stats).toEqual({ total: 1, idle: 1, waiting: 0 });
  });

  it('a statement unsubscribed while pipelined leaves the others and the connection intact', async () => {
    const client = clientOf(cluster(), { maxConnections: 1, pipelineDepth: 4 });
    await learn(client);
    const [pid] = await lastValueFrom(
      client.query<{ pid: number }>('select pg_backend_pid() as pid').pipe(toArray()),
    );
    const seen: number[] = [];
    const subscriptions = [0, 1, 2, 3].map((i) =>
      client.executeStatement<{ n: number }>(QUICK, [i]).subscribe((r) => seen.push(r.n)),
    );
    subscriptions[1]?.unsubscribe();
    await sleep(100);
    expect(seen.sort()).toEqual([0, 2, 3]);
    expect(client.stats).toEqual({ total: 1, idle: 1, waiting: 0 });
    const [again] = await lastValueFrom(
      client.query<{ pid: number }>('select pg_backend_pid() as pid').pipe(toArray()),
    );
    expect(again).toEqual(pid);
  });

  it('pipelineDepth 1 lends each connection to one statement at a time', async () => {
    const client = clientOf(cluster(), { maxConnections: 1, pipelineDepth: 1 });
    await learn(client);
    const burst = quickBurst(client, 5);
    expect(client.stats.waiting).toBe(4);
    expect(await burst).toEqual([0, 1, 2, 3, 4]);
  });

  it('counts a shared statement that fails before it is sent (bad parameter) and goes on', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 });
    await learn(client);
    const bad = outcome(lastValueFrom(client.executeStatement(QUICK, ['a\u0000b'])));
    const good = quickBurst(client, 3);
    expect(await bad).toBe(ErrorCode.InvalidParameter);
    expect(await good).toEqual([0, 1, 2]);
    expect(client.stats).toEqual({ total: 1, idle: 1, waiting: 0 });
  });
});
