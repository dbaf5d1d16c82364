import { appendFile, copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';

import { clusterParentDir, isErrno } from '../../src/cli/throwaway-cache';
import { guardCluster } from '../../src/cli/throwaway-guard';
import { freePort, startServer, type RunningServer } from '../../src/cli/throwaway-server';
import { giveToServer, runAs, serverUser } from '../../src/cli/throwaway-user';
import { DEFAULT_HBA } from '../../src/cli/throwaway';
import type { Cluster } from './cluster';

/**
 * pg_hba.conf lines for a primary that a replica can stream from: the default lines, and
 * replication for everybody over the socket and 127.0.0.1.
 */
export const PRIMARY_HBA: readonly string[] = [
  ...DEFAULT_HBA,
  'local replication all trust',
  'host replication all 127.0.0.1/32 trust',
];

/** A hot standby streaming from a test primary. */
export interface Replica {
  readonly port: number;
  readonly socketDir: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** Runs one statement as the superuser over the Unix socket. */
  admin<R extends object>(sql: string): Promise<R[]>;
  /** Makes the standby a primary and resolves once it accepts writes. */
  promote(): Promise<void>;
  /** Stops the server at once and removes its folder. Safe to call again. */
  stop(): Promise<void>;
}

/** Files of a running data folder that a standby must not inherit. */
const SKIPPED = new Set(['postmaster.pid', 'postmaster.opts']);
/** Folders whose content belongs to the running primary only: the standby streams its WAL. */
const EMPTIED = new Set(['pg_wal', 'pg_replslot', 'pg_stat_tmp']);

/**
 * Starts a hot standby of `primary` (started with {@link PRIMARY_HBA}) on a free port: an
 * online base backup made with pg_backup_start/pg_backup_stop and a plain file copy (the
 * embedded PostgreSQL 18 has no pg_basebackup), with standby.signal and primary_conninfo
 * pointing at the primary's socket. Resolves once the standby accepts connections.
 */
export async function startReplica(primary: Cluster): Promise<Replica> {
  const user = serverUser();
  const folder = await mkdtemp(join(clusterParentDir(user), 'rxpg-replica-'));
  const dataDir = join(folder, 'data');
  const socketDir = join(folder, 'socket');
  const logFile = join(folder, 'postgres.log');
  const release = guardCluster(folder, dataDir);
  let server: RunningServer | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (server?.stop('immediate') ?? Promise.resolve()).finally(async () => {
      release();
      await rm(folder, { recursive: true, force: true });
    });
    return stopping;
  };
  try {
    await mkdir(socketDir, { mode: 0o700 });
    await primary.adminSession(async (client) => {
      await client.query(`select pg_backup_start('rxpg-replica', true)`);
      await copyDataDir(primary.dataDir, dataDir);
      const { rows } = await client.query<{ labelfile: string }>(
        'select labelfile from pg_backup_stop()',
      );
      await writeFile(join(dataDir, 'backup_label'), rows[0]?.labelfile ?? '');
    });
    await writeFile(join(dataDir, 'standby.signal'), '');
    const conninfo = `host=${primary.socketDir} port=${primary.port} user=${primary.user}`;
    await appendFile(
      join(dataDir, 'postgresql.conf'),
      `\n# rxpg replica\nprimary_conninfo = '${conninfo}'\n` +
        `unix_socket_directories = '${socketDir}'\nhot_standby = on\n`,
    );
    if (user !== undefined) {
      await runAs(undefined, 'chown', ['-R', `${user.uid}:${user.gid}`, folder]);
    }
    await giveToServer(folder, user);
    const port = await freePort();
    const started = await startServer({ binDir: primary.binDir, dataDir, logFile, port, user });
    if (started === 'port-in-use') throw new Error(`replica: port ${port} was taken`);
    server = started;
    const admin = <R extends object>(sql: string) => adminQuery<R>(socketDir, port, primary, sql);
    return {
      port,
      socketDir,
      dataDir,
      logFile,
      admin,
      stop,
      async promote() {
        await admin('select pg_promote(true, 60)');
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function adminQuery<R extends object>(
  socketDir: string,
  port: number,
  primary: Cluster,
  sql: string,
): Promise<R[]> {
  const client = new Client({ host: socketDir, port, user: primary.user, database: 'postgres' });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Copies a running data folder. Files that vanish while it is read (temporary files) are
 * skipped: the backup label makes the standby replay WAL from before the copy began.
 */
async function copyDataDir(from: string, to: string): Promise<void> {
  await mkdir(to, { mode: 0o700 });
  const entries = await readdir(from, { withFileTypes: true }).catch((error: unknown) => {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  });
  for (const entry of entries) {
    if (SKIPPED.has(entry.name)) continue;
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      if (EMPTIED.has(entry.name)) {
        await mkdir(target, { mode: 0o700 });
        if (entry.name === 'pg_wal') {
          await mkdir(join(target, 'archive_status'));
          await mkdir(join(target, 'summaries'));
        }
      } else {
        await copyDataDir(source, target);
      }
    } else if (entry.isFile()) {
      await copyFile(source, target).catch((error: unknown) => {
        if (!isErrno(error, 'ENOENT')) throw error;
      });
    }
  }
}
