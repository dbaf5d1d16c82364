import { useCluster, type Cluster } from '../support/cluster';
import { faultProxy, type FaultProxy } from '../support/fault-proxy';
import { eventually, faultSessions } from './helpers';
import { activeResources, expectNothingLeftOpen } from './watch';

/** What a fault test file works with: its server, a fresh proxy per test, and the final check. */
export interface FaultSetting {
  readonly cluster: () => Cluster;
  readonly proxy: () => FaultProxy;
  /** The end of every fault test: no proxied connection, socket, timer or server session left. */
  nothingLeft(): Promise<void>;
}

/**
 * A server for the file (which checks its clients' sockets every 100 ms, so that it notices a
 * vanished client during a long query) and a fault proxy in front of it for each test.
 */
export function useFaultProxy(): FaultSetting {
  const cluster = useCluster({ settings: { client_connection_check_interval: '100ms' } });
  let current: FaultProxy | undefined;
  let before: Record<string, number> = {};
  beforeEach(async () => {
    current = await faultProxy(cluster().port);
    before = activeResources();
  });
  afterEach(async () => {
    await current?.close();
  });
  const proxy = (): FaultProxy => {
    if (current === undefined) throw new Error('No proxy: use it inside tests');
    return current;
  };
  return {
    cluster,
    proxy,
    async nothingLeft() {
      await proxy().drained();
      await expectNothingLeftOpen(before);
      await eventually(async () => (await faultSessions(cluster())).length === 0);
    },
  };
}
