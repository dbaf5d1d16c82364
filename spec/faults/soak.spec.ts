import { useCluster } from '../support/cluster';
import { runSoak } from './soak';
import { formatReport } from './soak-report';

// The server notices a vanished client during a long query only when it checks the socket.
const cluster = useCluster({ settings: { client_connection_check_interval: '100ms' } });

describe('soak, short', () => {
  it('a mixed workload through random faults loses nothing and leaves nothing open', async () => {
    const report = await runSoak(cluster(), {
      operations: 1_000,
      concurrency: 12,
      faultRate: 0.5,
      seed: Number(process.env.SOAK_SEED ?? 1),
    });
    if (process.env.SOAK_VERBOSE !== undefined) console.log(formatReport(report));
    expect(report.lost).toEqual({
      committedMissing: 0,
      failedPresent: 0,
      unaccounted: 0,
      uncoded: 0,
      hung: 0,
      listenerEnded: 0,
      listenerDeaf: 0,
    });
    const triggered = Object.values(report.faultsTriggered).reduce((sum, n) => sum + n, 0);
    expect(triggered).toBeGreaterThan(10);
    expect(report.writes.toldCommitted).toBeGreaterThan(0);
    expect(report.ms).toBeLessThan(20_000);
  });
});
