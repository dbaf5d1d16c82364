import { join } from 'node:path';
import { SSL_MODES, type SslMode } from '../../src/config/types';
import { CERT_DIR } from '../support/certs';
import { useCluster, type ClusterOptions } from '../support/cluster';
import { outcome, type Outcome } from '../support/outcome';

/**
 * Every sslmode against four servers, with libpq's outcome for each pair:
 * TLS on (plain host rules), TLS off, hostssl-only rules, hostnossl-only rules.
 * The root certificate is given, so the verify modes can succeed.
 */
const NO_HBA_ENTRY = 'error:28000';
const SSL_REQUIRED = 'error:RXPG_SSL_REQUIRED';

const servers: { name: string; options: ClusterOptions; expected: Record<SslMode, Outcome> }[] = [
  {
    name: 'TLS on',
    options: { ssl: true, hba: ['host all all 127.0.0.1/32 trust'] },
    expected: {
      disable: 'plaintext',
      allow: 'plaintext',
      prefer: 'encrypted',
      require: 'encrypted',
      'verify-ca': 'encrypted',
      'verify-full': 'encrypted',
    },
  },
  {
    name: 'TLS off',
    options: { ssl: false, hba: ['host all all 127.0.0.1/32 trust'] },
    expected: {
      disable: 'plaintext',
      allow: 'plaintext',
      prefer: 'plaintext',
      require: SSL_REQUIRED,
      'verify-ca': SSL_REQUIRED,
      'verify-full': SSL_REQUIRED,
    },
  },
  {
    name: 'hostssl only',
    options: { ssl: true, hba: ['hostssl all all 127.0.0.1/32 trust'] },
    expected: {
      disable: NO_HBA_ENTRY,
      // allow: plaintext is turned away, the second attempt uses TLS.
      allow: 'encrypted',
      prefer: 'encrypted',
      require: 'encrypted',
      'verify-ca': 'encrypted',
      'verify-full': 'encrypted',
    },
  },
  {
    name: 'hostnossl only',
    options: { ssl: true, hba: ['hostnossl all all 127.0.0.1/32 trust'] },
    expected: {
      disable: 'plaintext',
      allow: 'plaintext',
      // prefer: the TLS session is turned away, the second attempt is plaintext.
      prefer: 'plaintext',
      require: NO_HBA_ENTRY,
      'verify-ca': NO_HBA_ENTRY,
      'verify-full': NO_HBA_ENTRY,
    },
  },
];

describe.each(servers)('sslmode against a server with $name', ({ options, expected }) => {
  const cluster = useCluster(options);

  it.each(SSL_MODES.map((mode) => [mode, expected[mode]]))('%s → %s', async (mode, result) => {
    const { port, user } = cluster();
    const got = await outcome({
      host: 'localhost',
      port,
      user,
      dbname: 'postgres',
      sslmode: mode,
      sslrootcert: join(CERT_DIR, 'root.crt'),
    });
    expect(got).toBe(result);
  });
});
