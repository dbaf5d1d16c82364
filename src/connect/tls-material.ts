import type { ConnectionOptions } from 'node:tls';

import { ErrorCode, RxpgError } from '../errors';

/**
 * Trust material given in code rather than in files: the `tls` option of connect. It can only
 * add to what the connection parameters set up, never weaken a check.
 */
export interface TlsMaterial {
  /** More root certificates; like a root certificate file, they turn chain checking on. */
  readonly ca?: ConnectionOptions['ca'];
  /** A client certificate (with `key`), used instead of sslcert/sslkey. */
  readonly cert?: ConnectionOptions['cert'];
  readonly key?: ConnectionOptions['key'];
  /** Passphrase of `key`; sslpassword when not given. */
  readonly passphrase?: string;
  /** More certificate revocation lists, used when the server's chain is checked. */
  readonly crl?: ConnectionOptions['crl'];
}

const ACCEPTED = ['ca', 'cert', 'key', 'passphrase', 'crl'] as const;

/**
 * Checks the `tls` option: only `ca`, `cert`, `key`, `passphrase` and `crl` are accepted.
 * Everything else (rejectUnauthorized, checkServerIdentity, servername, minVersion,
 * secureContext, ...) could switch off a check the sslmode asks for, or is a connection
 * parameter under another name, so it fails with RXPG_UNSAFE_TLS_OPTION.
 *
 * @example
 * tlsMaterial({ ca: process.env.DB_CA });              // { ca: '-----BEGIN CERTIFICATE-----...' }
 * tlsMaterial({ rejectUnauthorized: false });          // throws RXPG_UNSAFE_TLS_OPTION
 */
export function tlsMaterial(options: ConnectionOptions | undefined): TlsMaterial | undefined {
  if (options === undefined) return undefined;
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || ACCEPTED.some((accepted) => accepted === name)) continue;
    throw new RxpgError(
      ErrorCode.UnsafeTlsOption,
      `the tls option "${name}" is not accepted: the tls option may only add trust material`,
      {
        hint:
          'give only ca, cert, key, passphrase or crl; choose checks with sslmode, sslrootcert, ' +
          'sslsni and ssl_min_protocol_version / ssl_max_protocol_version',
      },
    );
  }
  if ((options.cert === undefined) !== (options.key === undefined)) {
    throw new RxpgError(
      ErrorCode.ClientCertificateFailed,
      'the tls option needs cert and key together',
    );
  }
  const { ca, cert, key, passphrase, crl } = options;
  return { ca, cert, key, passphrase, crl };
}
