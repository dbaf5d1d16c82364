import { existsSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions, PeerCertificate } from 'node:tls';
import { sslModeAtLeast, type ConnectConfig, type HostTarget } from '../config/types';
import { ErrorCode, RxpgError } from '../errors';
import { verifyHostName } from './verify-host';

/** True when `path` names an existing regular file (libpq uses stat() the same way). */
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Where trust comes from. libpq turns on chain checking in every sslmode when
 * the root certificate file exists, so `require` with a root file behaves as
 * `verify-ca`; verify-ca and verify-full refuse to go on without one.
 */
function trust(config: ConnectConfig): Pick<ConnectionOptions, 'ca' | 'rejectUnauthorized'> {
  if (config.sslrootcert === 'system') return { rejectUnauthorized: true };
  if (isFile(config.sslrootcert)) {
    return { ca: readFileSync(config.sslrootcert), rejectUnauthorized: true };
  }
  if (sslModeAtLeast(config.sslmode, 'verify-ca')) {
    throw new RxpgError(
      ErrorCode.NoRootCertificate,
      `root certificate file "${config.sslrootcert}" does not exist`,
      {
        hint:
          'either provide the file, use the system trust store with sslrootcert=system, ' +
          'or change sslmode to disable server certificate verification',
      },
    );
  }
  return { rejectUnauthorized: false };
}

/** A client certificate when its file exists; a missing file means none, as in libpq. */
function clientCertificate(
  config: ConnectConfig,
): Pick<ConnectionOptions, 'cert' | 'key' | 'passphrase'> {
  if (!isFile(config.sslcert)) return {};
  if (!existsSync(config.sslkey)) {
    throw new RxpgError(
      ErrorCode.InvalidConfig,
      `certificate present, but not private key file "${config.sslkey}"`,
    );
  }
  return {
    cert: readFileSync(config.sslcert),
    key: readFileSync(config.sslkey),
    passphrase: config.sslpassword,
  };
}

/**
 * The options of `tls.connect` for one target under the config's sslmode.
 * Host name checking follows libpq's verify-full rules, applied to `host`.
 */
export function tlsOptions(config: ConnectConfig, target: HostTarget): ConnectionOptions {
  const verifyName = config.sslmode === 'verify-full' || config.sslrootcert === 'system';
  const sni = config.sslsni && isIP(target.host) === 0;
  return {
    ...trust(config),
    ...clientCertificate(config),
    crl:
      config.sslcrl !== undefined && isFile(config.sslcrl)
        ? readFileSync(config.sslcrl)
        : undefined,
    servername: sni ? target.host : undefined,
    minVersion: config.sslMinProtocolVersion,
    maxVersion: config.sslMaxProtocolVersion,
    ALPNProtocols: config.sslnegotiation === 'direct' ? ['postgresql'] : undefined,
    checkServerIdentity: (_name: string, cert: PeerCertificate) =>
      verifyName
        ? verifyHostName(target.host, {
            subjectAltName: cert.subjectaltname,
            commonName: cert.subject?.CN,
          })
        : undefined,
  };
}
