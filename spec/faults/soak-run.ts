/**
 * `npm run soak`: the soak of soak.spec.ts, longer. SOAK_OPERATIONS (default 20,000),
 * SOAK_CONCURRENCY (16), SOAK_FAULT_RATE (0.5) and SOAK_SEED (the time) shape it. Prints the
 * figures; exits with 1 when anything was lost, or anything failed.
 */
import { startCluster } from '../support/cluster';
import { runSoak } from './soak';
import { formatReport } from './soak-report';

const crashes: unknown[] = [];
process.on('uncaughtException', (error) => crashes.push(error));
process.on('unhandledRejection', (error) => crashes.push(error));

async function main(): Promise<number> {
  const seed = Number(process.env.SOAK_SEED ?? Date.now() % 1_000_000);
  const options = {
    operations: Number(process.env.SOAK_OPERATIONS ?? 20_000),
    concurrency: Number(process.env.SOAK_CONCURRENCY ?? 16),
    faultRate: Number(process.env.SOAK_FAULT_RATE ?? 0.5),
    seed,
  };
  console.log(`soak: ${JSON.stringify(options)}`);
  const cluster = await startCluster({ settings: { client_connection_check_interval: '100ms' } });
  try {
    const report = await runSoak(cluster, options);
    console.log(formatReport(report));
    console.log(`crashes:        ${crashes.length} uncaught exceptions or unhandled rejections`);
    for (const crash of crashes) console.log(crash);
    const lost = Object.values(report.lost).reduce((sum, n) => sum + n, 0);
    return lost === 0 && crashes.length === 0 ? 0 : 1;
  } finally {
    await cluster.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.log('soak failed:', error);
    process.exit(1);
  },
);
