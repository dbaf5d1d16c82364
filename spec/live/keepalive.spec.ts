import { execFileSync } from 'node:child_process';
import { firstValueFrom, lastValueFrom, switchMap, take, toArray } from 'rxjs';
import { connect } from '../../src/connection/connect';
import { ErrorCode } from '../../src/errors';
import { useCluster } from '../support/cluster';
import { CLEAN_ENV } from '../support/outcome';

/** The kernel's view of our established TCP sockets to `port` (ss -o shows keepalive timers). */
function socketTimers(port: number): string {
  return execFileSync('ss', ['-tnoH', 'state', 'established', `( dport = :${port} )`]).toString();
}

const hasSs = (() => {
  try {
    execFileSync('ss', ['-V']);
    return true;
  } catch {
    return false;
  }
})();

describe('TCP keepalive settings', () => {
  const cluster = useCluster({});
  const params = (extra: Record<string, string>) => ({
    host: '127.0.0.1',
    port: cluster().port,
    user: cluster().user,
    dbname: 'postgres',
    sslmode: 'disable',
    ...extra,
  });

  /** Opens a connection, reads the kernel's timers for it, and closes it. */
  async function timersWith(extra: Record<string, string>): Promise<string> {
    return firstValueFrom(
      connect(params(extra), { env: CLEAN_ENV }).pipe(
        switchMap((conn) =>
          conn.query('select 1').pipe(
            toArray(),
            switchMap(async () => socketTimers(cluster().port)),
          ),
        ),
        take(1),
      ),
    );
  }

  (hasSs ? it : it.skip)('keepalives_idle reaches the socket', async () => {
    const timers = await timersWith({ keepalives_idle: '37' });
    // ss prints the keepalive timer counting down from the idle time: timer:(keepalive,36sec,0)
    expect(timers).toMatch(/timer:\(keepalive,3[0-7]sec/);
  });

  (hasSs ? it : it.skip)('keepalives=0 leaves keepalive off', async () => {
    expect(await timersWith({ keepalives: '0' })).not.toMatch(/keepalive/);
  });

  it('keepalives_interval and keepalives_count are refused with a code, not ignored', async () => {
    const refused: Record<string, string>[] = [
      { keepalives_interval: '5' },
      { keepalives_count: '3' },
    ];
    for (const extra of refused) {
      await expect(lastValueFrom(connect(params(extra), { env: CLEAN_ENV }))).rejects.toMatchObject(
        {
          code: ErrorCode.NotSupported,
        },
      );
    }
  });
});
