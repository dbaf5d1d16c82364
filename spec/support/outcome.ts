import { firstValueFrom, map, switchMap, take, timeout } from 'rxjs';
import { connect, type ConnectOptions } from '../../src/connection/connect';
import type { ConnectionParameters } from '../../src/config';
import { DatabaseError, RxpgError } from '../../src/errors';

/** What a connection attempt came to, as the server saw it. */
export type Outcome = 'encrypted' | 'plaintext' | `error:${string}`;

/** The environment tests connect with: nothing from the machine leaks in. */
export const CLEAN_ENV: NodeJS.ProcessEnv = { HOME: '/nonexistent-rxpg-home' };

/**
 * Connects, asks the server whether this session is encrypted (pg_stat_ssl),
 * and checks the client agrees. Errors become `error:<code>`.
 */
export async function outcome(
  params: ConnectionParameters | string,
  options: ConnectOptions = {},
): Promise<Outcome> {
  try {
    return await firstValueFrom(
      connect(params, { env: CLEAN_ENV, ...options }).pipe(
        switchMap((conn) =>
          conn
            .query<{ ssl: boolean }>('select ssl from pg_stat_ssl where pid = pg_backend_pid()')
            .pipe(
              map((row): Outcome => {
                if (row.ssl !== conn.encrypted)
                  throw new Error('client and server disagree on TLS');
                return row.ssl ? 'encrypted' : 'plaintext';
              }),
            ),
        ),
        take(1),
        timeout(20_000),
      ),
    );
  } catch (error) {
    if (error instanceof RxpgError || error instanceof DatabaseError) return `error:${error.code}`;
    throw error;
  }
}
