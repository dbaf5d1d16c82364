import { concat, defer, lastValueFrom, takeUntil, timeout, TimeoutError, timer } from 'rxjs';
import { useFaultProxy } from './fault-setup';
import { clientVia, eventually } from './helpers';

const { cluster, proxy } = useFaultProxy();

describe('the pool over a network that stalls', () => {
  it('a plain query timed out on a stalled connection costs that connection, and the next query gets a new one', async () => {
    const client = clientVia(cluster(), proxy().port, { maxConnections: 1, cancelTimeout: 300 });
    try {
      await lastValueFrom(client.query('select 1'));
      proxy().stallAll();
      await expect(
        lastValueFrom(client.query('select 2').pipe(timeout(300))),
      ).rejects.toBeInstanceOf(TimeoutError);
      await eventually(() => client.stats.total === 0, 3_000);
      expect(await lastValueFrom(client.query<{ n: number }>('select 3 as n'))).toEqual({ n: 3 });
    } finally {
      client.closeNow();
    }
  });

  it('a transaction timed out on a stalled connection costs that connection, and the next query gets a new one', async () => {
    const client = clientVia(cluster(), proxy().port, { maxConnections: 1, cancelTimeout: 300 });
    try {
      const stalled = client.transaction((tx) =>
        concat(
          tx.query('select 1'),
          defer(() => {
            proxy().stallAll();
            return tx.query('select 2');
          }),
        ),
      );
      await expect(lastValueFrom(stalled.pipe(timeout(300)))).rejects.toBeInstanceOf(TimeoutError);
      await eventually(() => client.stats.total === 0, 3_000);
      expect(await lastValueFrom(client.query<{ n: number }>('select 3 as n'))).toEqual({ n: 3 });
    } finally {
      client.closeNow();
    }
  });
});

describe('housekeeping over a network that stalls', () => {
  // BEGIN sent into a stalled network, the ROLLBACK that follows when the caller gives up and
  // the pool's sync probe belong to no subscriber with a time limit: the pool's clean-up bound
  // (cancelTimeout) is what ends them, or a pool of one would never serve again. (Found by the
  // soak.)
  it('a transaction timed out before BEGIN was answered costs its connection, and the next query gets a new one', async () => {
    const client = clientVia(cluster(), proxy().port, { maxConnections: 1, cancelTimeout: 300 });
    try {
      await lastValueFrom(client.query('select 1'));
      proxy().stallAll();
      const stalled = client.transaction((tx) => tx.query('select 2'));
      await expect(lastValueFrom(stalled.pipe(timeout(300)))).rejects.toBeInstanceOf(TimeoutError);
      await eventually(() => client.stats.total === 0, 3_000);
      const next = client.query<{ n: number }>('select 3 as n').pipe(timeout(3_000));
      expect(await lastValueFrom(next)).toEqual({ n: 3 });
    } finally {
      client.closeNow();
    }
  });
});

describe('cancel requests over a network that stalls', () => {
  // A connection writes nothing until the server has closed the socket of its last
  // CancelRequest. A cancel socket that stalls must cost the connection within cancelTimeout,
  // even when the cancelled query ends by itself: otherwise every later request would wait.
  it('a cancel whose socket stalls does not hold its connection forever', async () => {
    const client = clientVia(cluster(), proxy().port, { maxConnections: 1, cancelTimeout: 2_000 });
    try {
      await lastValueFrom(client.query('select 1'));
      // The next connection the proxy accepts is the cancel's socket: it alone stalls.
      const cancelSocket = proxy().accepted();
      proxy().plan((index) =>
        index === cancelSocket ? [{ kind: 'stall', direction: 'toServer', at: 0 }] : [],
      );
      await lastValueFrom(client.query('select pg_sleep(0.3)').pipe(takeUntil(timer(50))), {
        defaultValue: undefined,
      });
      const next = client.query<{ n: number }>('select 2 as n').pipe(timeout(5_000));
      expect(await lastValueFrom(next)).toEqual({ n: 2 });
    } finally {
      client.closeNow();
    }
  });
});
