/**
 * The benchmark's own throwaway server: PostgreSQL with TLS on (a fresh CA and a certificate
 * for localhost), trust for the superuser over plain TCP and the socket, and a SCRAM role
 * that may log in only over TLS.
 */
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, switchMap, take, toArray } from 'rxjs';

import { connect } from '../src';
import { startThrowaway, type Throwaway } from '../src/cli/throwaway';
import { makeThrowawayCertificates } from '../src/cli/throwaway-certs';
import type { BenchServer } from './shared';

const SCRAM_USER = 'bench_scram';

export interface RunningBench {
  readonly server: BenchServer;
  readonly cluster: Throwaway;
  /** `select version()`. */
  readonly serverVersion: string;
  stop(): Promise<void>;
}

export async function startBenchServer(): Promise<RunningBench> {
  await checkLocalhost();
  const certs = await makeThrowawayCertificates();
  const cluster = await startThrowaway({
    ssl: { cert: certs.cert, key: certs.key },
    hba: [
      `hostssl all ${SCRAM_USER} 127.0.0.1/32 scram-sha-256`,
      'host all postgres 127.0.0.1/32 trust',
      'local all all trust',
    ],
  });
  const folder = await mkdtemp(join(tmpdir(), 'rxpg-bench-'));
  const stop = async () => {
    await cluster.stop();
    await rm(folder, { recursive: true, force: true });
  };
  try {
    const caFile = join(folder, 'root.crt');
    await writeFile(caFile, certs.ca);
    const password = randomBytes(12).toString('hex');
    const socket = `host=${cluster.socketDir} port=${cluster.port} user=${cluster.user}`;
    const [{ version }] = await admin<{ version: string }>(
      socket,
      `set password_encryption = 'scram-sha-256'; ` +
        `create role ${SCRAM_USER} login password '${password}'; select version()`,
    );
    const server: BenchServer = {
      host: '127.0.0.1',
      port: cluster.port,
      user: cluster.user,
      database: cluster.database,
      tls: { host: 'localhost', user: SCRAM_USER, password, caFile, ca: certs.ca },
    };
    return { server, cluster, serverVersion: version, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs SQL as the superuser over the Unix socket. */
function admin<T>(conninfo: string, sql: string): Promise<T[]> {
  // The connection stays open while subscribed: take(1) closes it after the answer.
  return firstValueFrom(
    connect(`${conninfo} dbname=postgres`, { env: {} }).pipe(
      switchMap((conn) => conn.query<T>(sql).pipe(toArray())),
      take(1),
    ),
  );
}

/** The certificate names localhost; the server listens on 127.0.0.1 only. */
async function checkLocalhost(): Promise<void> {
  const addresses = await lookup('localhost', { all: true });
  if (!addresses.some((a) => a.address === '127.0.0.1')) {
    throw new Error('localhost does not resolve to 127.0.0.1 here; the TLS scenario needs it');
  }
}
