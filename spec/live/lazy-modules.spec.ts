import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { useCluster } from '../support/cluster';
import { CLEAN_ENV } from '../support/outcome';

const ROOT = resolve(__dirname, '..', '..');
const PASSWORD = 'pässwörd';

/** What a fresh Node process running the built rxpg had loaded, and what it saw. */
interface Report {
  readonly afterImport: Loaded;
  readonly afterQuery: Loaded;
  readonly ssl: boolean;
}

interface Loaded {
  readonly tls: boolean;
  readonly crypto: boolean;
  readonly saslprep: boolean;
}

/**
 * Imports the built package, records which of the lazily loaded modules are in, runs one
 * query on the connection string of argv[2], and records again. `moduleLoadList` names Node's
 * built-in modules however they were reached; `require.cache` holds the packages.
 */
const CHILD = `
const { firstValueFrom, switchMap, take } = require('rxjs');
const { connect } = require('./dist/index.js');
const loaded = () => ({
  tls: process.moduleLoadList.includes('NativeModule tls'),
  crypto: process.moduleLoadList.includes('NativeModule crypto'),
  saslprep: Object.keys(require.cache).some((path) => path.includes('@mongodb-js/saslprep')),
});
const afterImport = loaded();
const sql = 'select ssl from pg_stat_ssl where pid = pg_backend_pid()';
firstValueFrom(
  connect(process.argv[2], { env: ${JSON.stringify(CLEAN_ENV)} }).pipe(
    switchMap((conn) => conn.query(sql)),
    take(1),
  ),
).then(
  (row) => {
    console.log(JSON.stringify({ afterImport, afterQuery: loaded(), ssl: row.ssl }));
    process.exit(0);
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
`;

/**
 * Node's tls and crypto and SASLprep cost megabytes of resident memory in every process that
 * imports rxpg; they load only for a connection that negotiates TLS, hashes a password or
 * prepares a non-ASCII SCRAM password. Each case runs in its own process, against the package
 * as it is built.
 */
describe('modules loaded only when a connection needs them', () => {
  const cluster = useCluster({
    ssl: true,
    users: [
      { name: 'scram_ascii', password: 'plain-ascii', method: 'scram-sha-256' },
      { name: 'scram_unicode', password: PASSWORD, method: 'scram-sha-256' },
    ],
  });
  let folder: string;

  beforeAll(() => {
    // A build of its own: a dist/ left from an older build would test old code.
    folder = mkdtempSync(join(tmpdir(), 'rxpg-lazy-'));
    const tsc = require.resolve('typescript/bin/tsc');
    const outDir = join(folder, 'dist');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], {
      cwd: ROOT,
    });
    symlinkSync(join(ROOT, 'node_modules'), join(folder, 'node_modules'));
    writeFileSync(join(folder, 'child.cjs'), CHILD);
  }, 120_000);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  const run = async (conninfo: string): Promise<Report> => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(folder, 'child.cjs'),
        `host=127.0.0.1 port=${cluster().port} dbname=postgres ${conninfo}`,
      ],
      { cwd: folder },
    );
    return JSON.parse(stdout) as Report;
  };
  const nothing: Loaded = { tls: false, crypto: false, saslprep: false };

  it('a plaintext trust connection loads none of them', async () => {
    const report = await run(`user=${cluster().user} sslmode=disable`);
    expect(report).toEqual({ afterImport: nothing, afterQuery: nothing, ssl: false });
  });

  it('a TLS connection loads tls, and only then', async () => {
    const report = await run(`user=${cluster().user} sslmode=require`);
    expect(report).toEqual({
      afterImport: nothing,
      // Whether Node's tls brings the public crypto module in is Node's business.
      afterQuery: { tls: true, crypto: expect.any(Boolean), saslprep: false },
      ssl: true,
    });
  });

  it('SCRAM with an ASCII password loads crypto but does without saslprep', async () => {
    const report = await run('user=scram_ascii password=plain-ascii sslmode=disable');
    expect(report).toEqual({
      afterImport: nothing,
      afterQuery: { tls: false, crypto: true, saslprep: false },
      ssl: false,
    });
  });

  it('SCRAM with a non-ASCII password loads saslprep, and only then', async () => {
    const report = await run(`user=scram_unicode password=${PASSWORD} sslmode=disable`);
    expect(report).toEqual({
      afterImport: nothing,
      afterQuery: { tls: false, crypto: true, saslprep: true },
      ssl: false,
    });
  });
});
