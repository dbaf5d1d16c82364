import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The committed test certificates; spec/fixtures/certs/README.md says what each one is. */
export const CERT_DIR = join(__dirname, '..', 'fixtures', 'certs');

/** Server certificates, all for the key server.key. */
export type ServerCertName =
  | 'server'
  | 'server-other-ca'
  | 'server-expired'
  | 'server-other-host'
  | 'server-wildcard'
  | 'server-cn-only'
  | 'server-dns-ip';

/** Every file in the fixture folder, by name. */
export type CertFile =
  | `${ServerCertName}.crt`
  | `${'root' | 'other-ca' | 'client-ca'}.${'crt' | 'key'}`
  | 'server.key'
  | 'client.crt'
  | 'client.key'
  | 'client-encrypted.key';

/** Passphrase of client-encrypted.key. */
export const CLIENT_KEY_PASSPHRASE = 'rxpg-test-passphrase';

/** The user that client.crt names (its CN). */
export const CERT_USER = 'rxpg_cert';

/** Path of a fixture file, e.g. for sslrootcert. */
export function certPath(file: CertFile): string {
  return join(CERT_DIR, file);
}

/** PEM text of a fixture file, e.g. for Node's `ca` option. */
export function readCert(file: CertFile): string {
  return readFileSync(certPath(file), 'utf8');
}
