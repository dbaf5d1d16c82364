import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionParameters } from '../../src/config';
import { CERT_DIR, type ServerCertName } from '../support/certs';
import { useCluster } from '../support/cluster';
import { outcome, type Outcome } from '../support/outcome';

const ROOT = join(CERT_DIR, 'root.crt');
const NO_ROOT = '/nonexistent-rxpg-root.crt';
const TLS_FAILED = 'error:RXPG_TLS_FAILED';

interface Case {
  readonly name: string;
  readonly params: ConnectionParameters;
  readonly expected: Outcome;
}

const table: { cert: ServerCertName; cases: Case[] }[] = [
  {
    cert: 'server-other-ca',
    cases: [
      {
        name: 'verify-ca refuses an unknown CA',
        params: { sslmode: 'verify-ca' },
        expected: TLS_FAILED,
      },
      {
        name: 'verify-full refuses an unknown CA',
        params: { sslmode: 'verify-full' },
        expected: TLS_FAILED,
      },
      {
        name: 'require with a root file checks the chain',
        params: { sslmode: 'require' },
        expected: TLS_FAILED,
      },
      {
        name: 'require without a root file accepts any certificate',
        params: { sslmode: 'require', sslrootcert: NO_ROOT },
        expected: 'encrypted',
      },
      {
        name: 'prefer falls back to plaintext when the handshake fails',
        params: { sslmode: 'prefer' },
        expected: 'plaintext',
      },
    ],
  },
  {
    cert: 'server-expired',
    cases: [
      {
        name: 'verify-ca refuses an expired certificate',
        params: { sslmode: 'verify-ca' },
        expected: TLS_FAILED,
      },
      {
        name: 'verify-full refuses an expired certificate',
        params: { sslmode: 'verify-full' },
        expected: TLS_FAILED,
      },
      {
        name: 'require without a root file does not look at dates',
        params: { sslmode: 'require', sslrootcert: NO_ROOT },
        expected: 'encrypted',
      },
    ],
  },
  {
    cert: 'server-other-host',
    cases: [
      {
        name: 'verify-ca ignores the host name',
        params: { sslmode: 'verify-ca' },
        expected: 'encrypted',
      },
      {
        name: 'verify-full refuses another host name',
        params: { sslmode: 'verify-full' },
        expected: TLS_FAILED,
      },
    ],
  },
  {
    cert: 'server-wildcard',
    cases: [
      {
        name: 'verify-full matches one label against *.',
        params: { sslmode: 'verify-full', host: 'db.localtest.test', hostaddr: '127.0.0.1' },
        expected: 'encrypted',
      },
      {
        name: 'verify-full: a wildcard never spans a dot',
        params: { sslmode: 'verify-full', host: 'a.b.localtest.test', hostaddr: '127.0.0.1' },
        expected: TLS_FAILED,
      },
      {
        name: 'verify-full: a wildcard does not match the bare domain',
        params: { sslmode: 'verify-full', host: 'localtest.test', hostaddr: '127.0.0.1' },
        expected: TLS_FAILED,
      },
      {
        name: 'verify-full checks host, never hostaddr',
        params: { sslmode: 'verify-full', host: 'localhost', hostaddr: '127.0.0.1' },
        expected: TLS_FAILED,
      },
    ],
  },
  {
    cert: 'server-cn-only',
    cases: [
      {
        name: 'verify-full reads the CN when there is no SAN',
        params: { sslmode: 'verify-full' },
        expected: 'encrypted',
      },
      {
        name: 'verify-full: an IP host does not match a CN of another name',
        params: { sslmode: 'verify-full', host: '127.0.0.1' },
        expected: TLS_FAILED,
      },
    ],
  },
  {
    cert: 'server-dns-ip',
    cases: [
      {
        name: 'verify-full compares a DNS SAN as a string for an IP host',
        params: { sslmode: 'verify-full', host: '127.0.0.1' },
        expected: 'encrypted',
      },
      {
        name: 'verify-full: a host name does not match the DNS SAN of an address',
        params: { sslmode: 'verify-full', host: 'localhost', hostaddr: '127.0.0.1' },
        expected: TLS_FAILED,
      },
    ],
  },
  {
    cert: 'server',
    cases: [
      {
        name: 'verify-full accepts the IP SAN for 127.0.0.1',
        params: { sslmode: 'verify-full', host: '127.0.0.1' },
        expected: 'encrypted',
      },
      {
        name: 'verify-ca without any root certificate is refused before trusting anything',
        params: { sslmode: 'verify-ca', sslrootcert: NO_ROOT },
        expected: 'error:RXPG_NO_ROOT_CERT',
      },
      {
        name: 'verify-full without any root certificate is refused',
        params: { sslmode: 'verify-full', sslrootcert: NO_ROOT },
        expected: 'error:RXPG_NO_ROOT_CERT',
      },
    ],
  },
];

describe.each(table)('server certificate $cert', ({ cert, cases }) => {
  const cluster = useCluster({ ssl: cert, hba: ['host all all 127.0.0.1/32 trust'] });

  it.each(cases)('$name', async ({ params, expected }) => {
    const { port, user } = cluster();
    const got = await outcome({
      host: 'localhost',
      port,
      user,
      dbname: 'postgres',
      sslrootcert: ROOT,
      ...params,
    });
    expect(got).toBe(expected);
  });
});

describe('the default root certificate path ~/.postgresql/root.crt', () => {
  const good = useCluster({ ssl: 'server', hba: ['host all all 127.0.0.1/32 trust'] });
  const foreign = useCluster({ ssl: 'server-other-ca', hba: ['host all all 127.0.0.1/32 trust'] });
  let home: string;

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'rxpg-home-'));
    mkdirSync(join(home, '.postgresql'));
    copyFileSync(ROOT, join(home, '.postgresql', 'root.crt'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  const connectWithHome = (port: number, user: string, sslmode: string): Promise<Outcome> =>
    outcome(
      { host: 'localhost', port, user, dbname: 'postgres', sslmode },
      { env: { HOME: home } },
    );

  it('is used by verify-full', async () => {
    expect(await connectWithHome(good().port, good().user, 'verify-full')).toBe('encrypted');
  });

  it('turns chain checking on under require', async () => {
    expect(await connectWithHome(foreign().port, foreign().user, 'require')).toBe(TLS_FAILED);
  });

  it('is absent by default, so verify-ca has no root', async () => {
    const got = await outcome({
      host: 'localhost',
      port: good().port,
      user: good().user,
      dbname: 'postgres',
      sslmode: 'verify-ca',
    });
    expect(got).toBe('error:RXPG_NO_ROOT_CERT');
  });
});
