import { lastValueFrom, toArray } from 'rxjs';
import { ErrorCode } from '../../src';
import { useCluster } from '../support/cluster';
import { backends, clientOf, eventually, sleep } from './helpers';
import { learn, outcome, QUICK, quickBurst } from './sharing';

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
    await learn(client, 'select pg_sleep($1)', [0]);
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
    const begin = () =>
      lastValueFrom(client.executeStatement('begin'), { defaultValue: undefined });
    await begin();
    await eventually(() => client.stats.idle === 1); // rolled back by the pool
    // BEGIN again, now seen to be quick: still alone, so nothing runs inside its transaction.
    const again = begin();
    const quick = quickBurst(client, 2);
    expect(client.stats.waiting).toBe(2);
    await again;
    expect(await quick).toEqual([0, 1]);
    // The pool rolled the transaction back: the connection is idle outside one.
    await eventually(() => client.stats.idle === 1);
    const [session] = await backends(cluster(), 'rxpg-share-begin');
    expect(session?.state).toBe('idle');
  });

  it('runs SQL text (query, queryResults) on a connection of its own', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 });
    await learn(client);
    await lastValueFrom(client.query('select 1'));
    const text = lastValueFrom(client.query('select 1'));
    const quick = quickBurst(client, 2);
    expect(client.stats.waiting).toBe(2);
    await text;
    expect(await quick).toEqual([0, 1]);
  });

  it('an error fails only its own statement; the others on the connection succeed', async () => {
    const client = clientOf(cluster(), { maxConnections: 1, pipelineDepth: 8 });
    const divide = 'select 10 / $1::int as n';
    await learn(client, divide, [1]);
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

  it('retires a shared connection past maxLifetime, though statements keep coming', async () => {
    const client = clientOf(cluster(), { maxConnections: 1, maxLifetime: 300, pipelineDepth: 2 });
    const PID = 'select pg_backend_pid() as pid';
    await learn(client, PID, []);
    const pid = () => lastValueFrom(client.executeStatement<{ pid: number }>(PID));
    const first = (await pid()).pid;
    // More statements at once than may share the connection: some always wait, so it is never
    // free; past its lifetime it takes no new sharer, and goes once drained.
    const pids = new Set<number>();
    const ends = Date.now() + 800;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (Date.now() < ends) pids.add((await pid()).pid);
      }),
    );
    expect(pids.size).toBeGreaterThan(1);
    expect([...pids]).toContain(first);
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
