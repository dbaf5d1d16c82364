/**
 * TLS features against real servers: direct TLS, the `tls` option (trust material given in
 * code, which may only add), and client certificates given that way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext, type ConnectionOptions } from 'node:tls';

import { CERT_DIR, CERT_USER, CLIENT_KEY_PASSPHRASE, readCert } from '../support/certs';
import { useCluster } from '../support/cluster';
import { outcome } from '../support/outcome';

/** PostgreSQL 17 is the first server that takes TLS without SSLRequest. */
const DIRECT_TLS_SERVER = 17;

describe('TLS features against real servers', () => {
  // root.crl revokes this server's certificate, server.crt.
  const server = useCluster({ ssl: 'server', hba: ['host all all 127.0.0.1/32 trust'] });
  const foreign = useCluster({ ssl: 'server-other-ca', hba: ['host all all 127.0.0.1/32 trust'] });
  const certAuth = useCluster({
    ssl: true,
    clientCa: true,
    hba: [`hostssl all ${CERT_USER} 127.0.0.1/32 cert`],
    users: [{ name: CERT_USER }],
  });

  const to = (port: number, params: Record<string, string>, tls?: ConnectionOptions) =>
    outcome({ host: 'localhost', port, dbname: 'postgres', user: 'postgres', ...params }, { tls });

  describe('direct TLS', () => {
    it('connects with sslnegotiation=direct to PostgreSQL 17 or later', async () => {
      if (server().version < DIRECT_TLS_SERVER) return;
      const params = { sslmode: 'verify-full', sslnegotiation: 'direct' };
      expect(await to(server().port, params, { ca: readCert('root.crt') })).toBe('encrypted');
    });

    it('fails with sslnegotiation=direct against a server that takes only SSLRequest', async () => {
      if (server().version >= DIRECT_TLS_SERVER) return;
      const params = { sslmode: 'require', sslnegotiation: 'direct' };
      expect(await to(server().port, params)).toBe('error:RXPG_TLS_FAILED');
    });
  });

  describe('the tls option adds trust material', () => {
    it('a CA given as a string serves as the root certificate for verify-full', async () => {
      expect(
        await to(server().port, { sslmode: 'verify-full' }, { ca: readCert('root.crt') }),
      ).toBe('encrypted');
    });

    it('a CA that did not sign the server certificate does not make it trusted', async () => {
      const tls = { ca: readCert('other-ca.crt') };
      expect(await to(server().port, { sslmode: 'verify-full' }, tls)).toBe(
        'error:RXPG_TLS_FAILED',
      );
    });

    it('a CA turns chain checking on under require, as a root certificate file does', async () => {
      expect(await to(foreign().port, { sslmode: 'require' }, { ca: readCert('root.crt') })).toBe(
        'error:RXPG_TLS_FAILED',
      );
    });

    it('with sslrootcert=system, a CA in the tls option is trusted too', async () => {
      const tls = { ca: readCert('root.crt') };
      expect(await to(server().port, { sslrootcert: 'system' }, tls)).toBe('encrypted');
    });

    it('a CRL given as a string revokes the server certificate', async () => {
      const tls = { ca: readCert('root.crt'), crl: readCrl('root.crl') };
      expect(await to(server().port, { sslmode: 'verify-ca' }, tls)).toBe('error:RXPG_TLS_FAILED');
    });

    it.each([
      ['rejectUnauthorized', { rejectUnauthorized: false }],
      ['checkServerIdentity', { checkServerIdentity: () => undefined }],
      ['servername', { servername: 'elsewhere.example' }],
      ['minVersion', { minVersion: 'TLSv1' as const }],
      ['ciphers', { ciphers: 'NULL' }],
      ['secureContext', { secureContext: createSecureContext() }],
    ])('refuses %s, which could weaken a check, before connecting', async (_name, tls) => {
      expect(await to(server().port, { sslmode: 'verify-full' }, tls)).toBe(
        'error:RXPG_UNSAFE_TLS_OPTION',
      );
    });

    it('refuses a weakening option even with sslmode=disable', async () => {
      expect(await to(server().port, { sslmode: 'disable' }, { rejectUnauthorized: false })).toBe(
        'error:RXPG_UNSAFE_TLS_OPTION',
      );
    });
  });

  describe('client certificates in the tls option', () => {
    const pair = { cert: readCert('client.crt'), key: readCert('client.key') };

    it('logs in with cert authentication (clientcert=verify-full)', async () => {
      const params = { user: CERT_USER, sslmode: 'verify-full' };
      expect(await to(certAuth().port, params, { ...pair, ca: readCert('root.crt') })).toBe(
        'encrypted',
      );
    });

    it('opens an encrypted key with its passphrase', async () => {
      const tls = {
        cert: readCert('client.crt'),
        key: readCert('client-encrypted.key'),
        passphrase: CLIENT_KEY_PASSPHRASE,
        ca: readCert('root.crt'),
      };
      expect(await to(certAuth().port, { user: CERT_USER, sslmode: 'verify-full' }, tls)).toBe(
        'encrypted',
      );
    });

    it('refuses an encrypted key with a wrong passphrase as a client certificate error', async () => {
      const tls = {
        cert: readCert('client.crt'),
        key: readCert('client-encrypted.key'),
        passphrase: 'wrong',
      };
      expect(await to(certAuth().port, { user: CERT_USER, sslmode: 'require' }, tls)).toBe(
        'error:RXPG_CLIENT_CERT_FAILED',
      );
    });

    it('refuses a certificate without its key', async () => {
      const tls = { cert: readCert('client.crt') };
      expect(await to(certAuth().port, { user: CERT_USER, sslmode: 'require' }, tls)).toBe(
        'error:RXPG_CLIENT_CERT_FAILED',
      );
    });

    it('refuses a key that does not belong to the certificate', async () => {
      const tls = { cert: readCert('client.crt'), key: readCert('server.key') };
      expect(await to(certAuth().port, { user: CERT_USER, sslmode: 'require' }, tls)).toBe(
        'error:RXPG_CLIENT_CERT_FAILED',
      );
    });

    it('without a client certificate, the server turns the cert user away', async () => {
      expect(await to(certAuth().port, { user: CERT_USER, sslmode: 'require' })).toBe(
        'error:28000',
      );
    });
  });
});

function readCrl(name: 'root.crl'): string {
  return readFileSync(join(CERT_DIR, name), 'utf8');
}
