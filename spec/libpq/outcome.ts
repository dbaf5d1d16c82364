import { firstValueFrom, map, switchMap, take, timeout } from 'rxjs';

import { connect, type ConnectOptions } from '../../src/connection/connect';
import { DatabaseError, RxpgError } from '../../src/errors';

/** What one connection attempt came to, in the terms both clients share. */
export type Outcome = 'encrypted' | 'plaintext' | 'refused';

/** An outcome and, for a refusal, what the client said (for the printed report only). */
export interface Observed {
  readonly outcome: Outcome;
  readonly detail: string;
  /** Set when rxpg failed with something other than a coded error: always a bug. */
  readonly uncoded?: boolean;
}

/** Longer than any connect_timeout a cell uses, so a hang shows as a failure of the test. */
const RXPG_DEADLINE_MS = 30_000;

/**
 * Connects with rxpg using the very conninfo string given to psql, asks the server whether
 * the session is encrypted, and checks that rxpg agrees with the server about it.
 */
export async function rxpgOutcome(
  conninfo: string,
  env: NodeJS.ProcessEnv,
  options: ConnectOptions = {},
): Promise<Observed> {
  try {
    const outcome = await firstValueFrom(
      connect(conninfo, { ...options, env }).pipe(
        switchMap((conn) =>
          conn
            .query<{ ssl: boolean }>('select ssl from pg_stat_ssl where pid = pg_backend_pid()')
            .pipe(
              map((row): Outcome => {
                if (row.ssl !== conn.encrypted) throw new Error('rxpg and server disagree on TLS');
                return row.ssl ? 'encrypted' : 'plaintext';
              }),
            ),
        ),
        take(1),
        timeout(RXPG_DEADLINE_MS),
      ),
    );
    return { outcome, detail: '' };
  } catch (error) {
    if (error instanceof RxpgError) {
      return { outcome: 'refused', detail: `${error.code}: ${error.message}` };
    }
    if (error instanceof DatabaseError) {
      return { outcome: 'refused', detail: `${error.code}: ${error.message}` };
    }
    return { outcome: 'refused', detail: `UNCODED ${String(error)}`, uncoded: true };
  }
}
