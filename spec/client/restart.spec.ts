import {
  catchError,
  filter,
  firstValueFrom,
  lastValueFrom,
  map,
  mergeMap,
  of,
  range,
  timeout,
  toArray,
} from 'rxjs';
import { useCluster } from '../support/cluster';
import { backends, clientOf, sleep } from './helpers';

describe('Client across a server restart', () => {
  const cluster = useCluster();

  it('serves new queries after a restart in the middle of a workload, with nothing done by the application', async () => {
    const client = clientOf(cluster(), { maxConnections: 4 }, 'rxpg-restart');
    let ok = 0;
    let failed = 0;
    let running = true;
    // A steady workload of small queries, 8 at a time over 4 connections.
    const workload = (async () => {
      while (running) {
        const outcomes = await lastValueFrom(
          range(1, 8).pipe(
            mergeMap((i) =>
              client.executeStatement<{ n: number }>('select $1::int as n', [i]).pipe(
                map(() => true),
                catchError(() => of(false)),
              ),
            ),
            toArray(),
          ),
        );
        for (const success of outcomes) {
          if (success) ok += 1;
          else failed += 1;
        }
        await sleep(5);
      }
    })();
    while (ok < 50) await sleep(10);
    const before = (await backends(cluster(), 'rxpg-restart')).map((b) => b.pid);
    await cluster().restart();
    const okAtRestart = ok;
    while (ok < okAtRestart + 50) await sleep(10);
    running = false;
    await workload;

    // After the restart every query succeeds, on new backends, within the limit.
    const results = await lastValueFrom(
      range(1, 20).pipe(
        mergeMap((i) => client.executeStatement<{ n: number }>('select $1::int as n', [i])),
        toArray(),
      ),
    );
    expect(results).toHaveLength(20);
    const after = (await backends(cluster(), 'rxpg-restart')).map((b) => b.pid);
    expect(after.length).toBeGreaterThan(0);
    expect(after.length).toBeLessThanOrEqual(4);
    expect(after.filter((pid) => before.includes(pid))).toEqual([]);
    // Queries caught by the restart may fail (`failed`); the pool keeps none of their connections.
    expect(client.stats.total).toBeLessThanOrEqual(4);
    expect(failed).toBeGreaterThanOrEqual(0);
  });

  it('replaces idle connections that the restart closed before they are lent again', async () => {
    const client = clientOf(cluster(), { maxConnections: 2 });
    await lastValueFrom(client.query('select 1'));
    expect(client.stats.idle).toBe(1);
    await cluster().restart();
    expect(await lastValueFrom(client.query('select 2 as n'))).toEqual({ n: 2 });
  });

  it('listens again after a restart, and says notifications may have been missed', async () => {
    const client = clientOf(cluster());
    const events: string[] = [];
    client.listenEvents$.subscribe((e) => events.push(e.kind));
    const first = firstValueFrom(client.listenEvents$.pipe(filter((e) => e.kind === 'listening')));
    const received = firstValueFrom(client.listen('After Restart').pipe(timeout(20_000)));
    await first;
    const again = firstValueFrom(client.listenEvents$.pipe(filter((e) => e.kind === 'listening')));
    await cluster().restart();
    await again;
    await lastValueFrom(client.notify('After Restart', 'resumed'));
    expect(await received).toMatchObject({ channel: 'After Restart', payload: 'resumed' });
    expect(events).toEqual(['listening', 'disconnected', 'listening']);
  });
});
