import type { ConnectionOptions, PeerCertificate } from 'node:tls';

import type { ConnectConfig, HostTarget } from '../config/types';
import { clientCertificate } from './client-certificate';
import { serverTrust } from './server-trust';
import type { TlsMaterial } from './tls-material';
import { verifyHostName } from './verify-host';

/** The ALPN protocol of PostgreSQL; libpq 17+ offers it on every TLS connection. */
export const ALPN_POSTGRESQL = 'postgresql';

/**
 * libpq's test for a host that must not be sent as SNI: only digits and dots, or a colon
 * (an IP literal, or close enough that RFC 6066 forbids it).
 */
function looksLikeAddress(host: string): boolean {
  return /^[0-9.]*$/.test(host) || host.includes(':');
}

/**
 * The options of `tls.connect` for one target, as libpq's initialize_SSL sets them up: the
 * trust in the server's chain, the client certificate, SNI, ALPN and the TLS version range.
 * Host names are checked for verify-full (and sslrootcert=system, which implies it) against
 * `host`, never `hostaddr`. Throws coded errors for files that cannot be used; like libpq,
 * the pipeline treats that as a failed handshake.
 */
export function tlsOptions(
  config: ConnectConfig,
  target: HostTarget,
  material?: TlsMaterial,
): ConnectionOptions {
  const verifyName = config.sslmode === 'verify-full' || config.sslrootcert === 'system';
  const sni = config.sslsni && target.host !== '' && !looksLikeAddress(target.host);
  return {
    ...serverTrust(config, material),
    ...clientCertificate(config, material),
    servername: sni ? target.host : undefined,
    minVersion: config.sslMinProtocolVersion,
    maxVersion: config.sslMaxProtocolVersion,
    ALPNProtocols: [ALPN_POSTGRESQL],
    checkServerIdentity: (_name: string, cert: PeerCertificate) =>
      verifyName
        ? verifyHostName(target.host, {
            subjectAltName: cert.subjectaltname,
            commonName: cert.subject?.CN,
          })
        : undefined,
  };
}
