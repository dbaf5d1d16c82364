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
  // Bug in src/client (transactions and pool cleanup): BEGIN is never withdrawn, and the
  // ROLLBACK sent after an unsubscribe and the pool's sync probe belong to no subscriber, so no
  // time limit applies to any of them. When BEGIN goes into a stalled network and the caller
  // gives up, the connection waits forever with [BEGIN, ROLLBACK, SyncProbe] in flight: the
  // slot stays 'returning', and a pool of one never serves again. (Found by the soak.)
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
  // Bug in src/connect/cancel-request.ts and src/connection/connection.ts: the CancelRequest
  // socket has no time limit, and the connection writes nothing until the server closed it.
  // When the CancelRequest never arrives (stalled network) but the cancelled query ends by
  // itself before cancelTimeout, the connection holds every later request forever: the pool's
  // sync probe never returns, the slot stays 'returning', and a pool of one never serves again.
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
