import {
  catchError,
  firstValueFrom,
  lastValueFrom,
  map,
  merge,
  mergeMap,
  of,
  range,
  switchMap,
  take,
  timeout,
  TimeoutError,
  toArray,
} from 'rxjs';
import { connect, type Connection } from '../../src';
import type { Fault } from '../support/fault-proxy';
import { CLEAN_ENV } from '../support/outcome';
import { clientVia, eventually, paramsVia, seeded } from './helpers';
import { useFaultProxy } from './fault-setup';
import { codeOf } from './watch';

/** A result of a few hundred kilobytes, so that faults can land in the middle of its rows. */
const ROWS = "select i, repeat('x', 100) as filler from generate_series(1, 3000) i";

const { cluster, proxy, nothingLeft } = useFaultProxy();

/** Bytes the server sends a new session up to its first ReadyForQuery, measured on the proxy. */
async function startupLength(): Promise<number> {
  const index = proxy().accepted();
  await firstValueFrom(
    connect(paramsVia(cluster(), proxy().port), { env: CLEAN_ENV }).pipe(
      switchMap((conn) => conn.query('select 1')),
      take(1),
    ),
  );
  // select 1's reply (RowDescription, DataRow, CommandComplete, ReadyForQuery) is 61 bytes.
  return proxy().seen(index, 'toClient') - 61;
}

describe('faults in the network', () => {
  it('a stalled server fails the connection attempt with RXPG_TIMEOUT after connect_timeout', async () => {
    for (const at of [0, 9, 100]) {
      proxy().plan(() => [{ kind: 'stall', direction: 'toClient', at }]);
      const started = Date.now();
      const attempt = firstValueFrom(
        connect(paramsVia(cluster(), proxy().port, { connect_timeout: '1' }), { env: CLEAN_ENV }),
      );
      await expect(attempt).rejects.toMatchObject({ code: 'RXPG_TIMEOUT' });
      const ms = Date.now() - started;
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(2_500);
    }
    await nothingLeft();
  });

  it('connect_timeout moves on from a stalled host to the next one', async () => {
    proxy().plan(() => [{ kind: 'stall', direction: 'toClient', at: 0 }]);
    const params = {
      ...paramsVia(cluster(), proxy().port, { connect_timeout: '1' }),
      host: '127.0.0.1,127.0.0.1',
      port: `${proxy().port},${cluster().port}`,
    };
    const port = await firstValueFrom(
      connect(params, { env: CLEAN_ENV }).pipe(
        switchMap((conn) =>
          conn.query<{ port: number }>("select current_setting('port')::int as port"),
        ),
        take(1),
      ),
    );
    expect(port).toEqual({ port: cluster().port });
    await nothingLeft();
  });

  it('random bytes from the server at every stage end each session with a stable code, in bounded time', async () => {
    const startup = await startupLength();
    const random = seeded(7);
    // Offsets in the authentication reply, the ParameterStatus messages, BackendKeyData,
    // ReadyForQuery, and then all along the rows of the query.
    const offsets = [0, 1, 4, 5, 8, 9, 20, 50, 100, 200, startup - 20, startup - 6, startup - 1];
    for (let at = startup; at < startup + 300_000; at += 9_973) offsets.push(at);
    const faults: Fault[][] = [];
    proxy().plan((index) => faults[index] ?? []);
    const base = proxy().accepted();
    offsets.forEach((at, i) => {
      faults[base + i] = [
        {
          kind: 'corrupt',
          direction: 'toClient',
          at,
          length: 1 + Math.floor(random() * 16),
          random,
        },
      ];
    });
    // Sessions run 8 at a time: which fault each one meets depends on the order the proxy
    // accepts them in, and every fault is met once.
    const started = Date.now();
    const outcomes = await lastValueFrom(
      range(0, offsets.length).pipe(
        mergeMap(
          () =>
            connect(paramsVia(cluster(), proxy().port, { connect_timeout: '2' }), {
              env: CLEAN_ENV,
              cancelTimeout: 500,
            }).pipe(
              switchMap((conn) => conn.query(ROWS).pipe(toArray())),
              take(1),
              // A corrupted length can leave the client waiting for a message that never
              // ends: the query's own timeout ends that.
              timeout(2_000),
              map(() => 'complete'),
              catchError((error: unknown) =>
                of(
                  error instanceof TimeoutError ? 'own timeout' : (codeOf(error) ?? String(error)),
                ),
              ),
            ),
          8,
        ),
        toArray(),
      ),
    );
    // Cancel requests of sessions ended by their own timeout take proxied connections too.
    expect(proxy().accepted()).toBeGreaterThanOrEqual(base + offsets.length);
    expect(Date.now() - started).toBeLessThan(20_000);
    const unexplained = outcomes.filter(
      (o) => o !== 'complete' && o !== 'own timeout' && !/^(RXPG_[A-Z_]+|[0-9A-Z]{5})$/.test(o),
    );
    expect(unexplained).toEqual([]);
    // The server saw garbage too, now and then (a corrupted reply is not its concern), and a
    // clean session still works afterwards.
    expect(
      await lastValueFrom(
        connect(paramsVia(cluster(), proxy().port), { env: CLEAN_ENV }).pipe(
          switchMap((conn) => conn.query<{ n: number }>('select 5 as n')),
          take(1),
        ),
      ),
    ).toEqual({ n: 5 });
    await nothingLeft();
  });

  it("a server that stops mid-message: the query's own timeout ends it, and the connection is destroyed", async () => {
    const startup = await startupLength();
    proxy().plan(() => [{ kind: 'stall', direction: 'toClient', at: startup + 50_003 }]);
    let connection: Connection | undefined;
    const ended = new Promise<string | undefined>((resolve) => {
      const subscription = connect(paramsVia(cluster(), proxy().port), {
        env: CLEAN_ENV,
        cancelTimeout: 500,
      }).subscribe({
        next: (conn) => {
          connection = conn;
          resolve(undefined);
        },
        error: (error: unknown) => resolve(codeOf(error)),
      });
      afterStop.push(() => subscription.unsubscribe());
    });
    await ended;
    if (connection === undefined) throw new Error('no connection');
    const own = connection;
    const started = Date.now();
    await expect(lastValueFrom(own.query(ROWS).pipe(timeout(500)))).rejects.toBeInstanceOf(
      TimeoutError,
    );
    const end = await firstValueFrom(own.ended$);
    expect(codeOf(end)).toBe('RXPG_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(own.connectionState).toBe('closed');
    for (const stop of afterStop.splice(0)) stop();
    await nothingLeft();
  });

  it('a Client rides out random cuts and stalls: every query ends with a row or a stable code, and the pool recovers', async () => {
    const random = seeded(11);
    proxy().plan(() => {
      const at = Math.floor(random() * 40_000);
      const kind = random() < 0.5 ? 'cut' : 'stall';
      return random() < 0.5
        ? [{ kind, direction: random() < 0.5 ? 'toClient' : 'toServer', at }]
        : [];
    });
    const client = clientVia(cluster(), proxy().port, { maxConnections: 4, cancelTimeout: 500 });
    const outcomes = await lastValueFrom(
      merge(
        ...Array.from({ length: 40 }, (_, i) =>
          client.query(i % 2 === 0 ? ROWS : 'select 1').pipe(
            toArray(),
            timeout(2_000),
            map(() => 'complete'),
            catchError((error: unknown) =>
              of(error instanceof TimeoutError ? 'own timeout' : (codeOf(error) ?? String(error))),
            ),
          ),
        ),
        4,
      ).pipe(toArray()),
    );
    expect(outcomes).toHaveLength(40);
    for (const outcome of outcomes)
      expect(outcome).toMatch(/^(complete|own timeout|RXPG_[A-Z_]+)$/);
    proxy().plan(() => []);
    await eventually(async () => {
      const ok = await lastValueFrom(
        client.query<{ n: number }>('select 6 as n').pipe(catchError(() => of(undefined))),
      );
      return ok !== undefined;
    });
    await client.close();
    expect(client.stats).toMatchObject({ total: 0, waiting: 0 });
    await nothingLeft();
  });
});

const afterStop: (() => void)[] = [];
afterEach(() => {
  for (const stop of afterStop.splice(0)) stop();
});
