import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';

import { parseConfig } from '../../../src/config';
import { tlsMaterial } from '../../../src/connect/tls-material';
import { tlsOptions } from '../../../src/connect/tls-options';
import { RxpgError } from '../../../src/errors';
import { certPath, readCert } from '../../support/certs';

/** The options rxpg would hand to tls.connect, or the coded error it raises instead. */
function optionsFor(conninfo: string, home: string, tls?: Parameters<typeof tlsMaterial>[0]) {
  const config = parseConfig(conninfo, { HOME: home });
  return tlsOptions(config, config.hosts[0], tlsMaterial(tls));
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof RxpgError) return error.code;
    throw error;
  }
  return 'no error';
}

describe('the TLS options rxpg derives from the connection parameters', () => {
  let home: string;
  let keys: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'rxpg-tls-home-'));
    keys = mkdtempSync(join(tmpdir(), 'rxpg-tls-keys-'));
  });
  afterAll(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(keys, { recursive: true, force: true });
  });

  const key = (mode: number): string => {
    const path = join(keys, `client-${mode.toString(8)}.key`);
    copyFileSync(certPath('client.key'), path);
    chmodSync(path, mode);
    return path;
  };

  it('checks nothing under require without any root certificate', () => {
    expect(optionsFor('host=db sslmode=require', home).rejectUnauthorized).toBe(false);
  });

  it('checks the chain under require when a root certificate file exists', () => {
    const options = optionsFor(`host=db sslmode=require sslrootcert=${certPath('root.crt')}`, home);
    expect(options.rejectUnauthorized).toBe(true);
  });

  it('refuses verify-ca without a root certificate, naming the file it looked for', () => {
    expect(codeOf(() => optionsFor('host=db sslmode=verify-ca', home))).toBe('RXPG_NO_ROOT_CERT');
  });

  it('offers ALPN postgresql on every TLS connection', () => {
    expect(optionsFor('host=db', home).ALPNProtocols).toEqual(['postgresql']);
  });

  it('sends the host name as SNI', () => {
    expect(optionsFor('host=db.example', home).servername).toBe('db.example');
  });

  it.each(['127.0.0.1', '::1', '123'])('sends no SNI for the address-like host %s', (host) => {
    expect(optionsFor(`host=${host}`, home).servername).toBeUndefined();
  });

  it('sends no SNI with sslsni=0', () => {
    expect(optionsFor('host=db.example sslsni=0', home).servername).toBeUndefined();
  });

  it('keeps the system roots when the tls option adds a CA to sslrootcert=system', () => {
    const ca = optionsFor('host=db sslrootcert=system', home, { ca: readCert('root.crt') }).ca;
    expect(Array.isArray(ca) && ca.length).toBe(rootCertificates.length + 1);
  });

  it('reads ~/.postgresql/root.crl when a root certificate is there and no sslcrl is given', () => {
    const dot = join(home, '.postgresql');
    mkdirSync(dot, { recursive: true });
    copyFileSync(certPath('root.crt'), join(dot, 'root.crt'));
    writeFileSync(join(dot, 'root.crl'), 'a CRL');
    try {
      expect(optionsFor('host=db', home).crl).toEqual([Buffer.from('a CRL')]);
      expect(optionsFor(`host=db sslcrl=${join(home, 'none.crl')}`, home).crl).toBeUndefined();
    } finally {
      rmSync(dot, { recursive: true, force: true });
    }
  });

  it('reads the hashed CRL files of sslcrldir', () => {
    const folder = join(keys, 'crls');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, '0a1b2c3d.r0'), 'hashed');
    writeFileSync(join(folder, 'notes.txt'), 'not a CRL name');
    const conninfo = `host=db sslcrldir=${folder} sslrootcert=${certPath('root.crt')}`;
    expect(optionsFor(conninfo, home).crl).toEqual([Buffer.from('hashed')]);
  });

  describe('client certificates', () => {
    const pair = (keyFile: string, extra = ''): string =>
      `host=db sslcert=${certPath('client.crt')} sslkey=${keyFile} ${extra}`;

    it('presents the certificate with its key, decrypted', () => {
      const options = optionsFor(pair(key(0o600)), home);
      expect(options.cert).toEqual(Buffer.from(readCert('client.crt')));
      expect(String(options.key)).toContain('BEGIN PRIVATE KEY');
    });

    it('refuses a key others may read (mode 0604)', () => {
      expect(codeOf(() => optionsFor(pair(key(0o604)), home))).toBe('RXPG_CLIENT_CERT_FAILED');
    });

    it('presents nothing when the certificate file does not exist', () => {
      const options = optionsFor(`host=db sslcert=${join(keys, 'none.crt')}`, home);
      expect(options.cert).toBeUndefined();
    });

    it('presents nothing with sslcertmode=disable', () => {
      expect(optionsFor(pair(key(0o600), 'sslcertmode=disable'), home).cert).toBeUndefined();
    });

    it('refuses a missing key for a certificate that exists', () => {
      expect(codeOf(() => optionsFor(pair(join(keys, 'none.key')), home))).toBe(
        'RXPG_CLIENT_CERT_FAILED',
      );
    });

    it('opens an encrypted key with sslpassword, and refuses it without', () => {
      const encrypted = join(keys, 'encrypted.key');
      copyFileSync(certPath('client-encrypted.key'), encrypted);
      chmodSync(encrypted, 0o600);
      expect(codeOf(() => optionsFor(pair(encrypted), home))).toBe('RXPG_CLIENT_CERT_FAILED');
      const opened = optionsFor(pair(encrypted, "sslpassword='rxpg-test-passphrase'"), home);
      expect(String(opened.key)).toContain('BEGIN PRIVATE KEY');
    });
  });

  describe('the tls option', () => {
    it.each(['rejectUnauthorized', 'checkServerIdentity', 'ALPNProtocols', 'session', 'host'])(
      'refuses %s',
      (name) => {
        expect(codeOf(() => tlsMaterial({ [name]: false }))).toBe('RXPG_UNSAFE_TLS_OPTION');
      },
    );

    it('ignores keys whose value is undefined', () => {
      expect(tlsMaterial({ rejectUnauthorized: undefined, ca: 'x' })).toEqual({ ca: 'x' });
    });
  });
});
