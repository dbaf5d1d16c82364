import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startThrowaway } from './throwaway';
import { makeThrowawayCertificates } from './throwaway-certs';

/** A throwaway server as the CLI uses it: TLS on, reached with sslmode=verify-full. */
export interface CliServer {
  /** A key=value connection string for it. */
  readonly conninfo: string;
  readonly version: number;
  stop(): Promise<void>;
}

/**
 * Starts a throwaway PostgreSQL with a fresh CA and server certificate, and
 * returns a connection string that verifies both (sslmode=verify-full against
 * host name `localhost`).
 */
export async function startThrowawayForCli(): Promise<CliServer> {
  const certificates = await makeThrowawayCertificates();
  const folder = await mkdtemp(join(tmpdir(), 'rxpg-cli-'));
  const rootCert = join(folder, 'root.crt');
  await writeFile(rootCert, certificates.ca, { mode: 0o600 });
  try {
    const server = await startThrowaway({
      ssl: { cert: certificates.cert, key: certificates.key },
      hba: ['hostssl all all 127.0.0.1/32 trust'],
    });
    return {
      conninfo:
        `host=localhost hostaddr=127.0.0.1 port=${server.port} user=${server.user} ` +
        `dbname=${server.database} sslmode=verify-full sslrootcert=${rootCert}`,
      version: server.version,
      stop: async () => {
        await server.stop();
        await rm(folder, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
}
