/**
 * The SSL keywords and libpq's rules that tie them together.
 */
import {
  ROOT_CERT_FILE,
  ROOT_CRL_FILE,
  USER_CERT_FILE,
  USER_KEY_FILE,
  underHome,
} from './defaults';
import { invalidConfig, notSupported } from './fail';
import type { Settings } from './keywords';
import {
  SSL_MODES,
  sslModeAtLeast,
  type ConnectConfig,
  type SslMode,
  type TlsVersion,
} from './types';
import { oneOf, parseSwitch } from './values';

/** The SSL part of a {@link ConnectConfig}. */
export type SslConfig = Pick<
  ConnectConfig,
  | 'sslmode'
  | 'sslnegotiation'
  | 'sslrootcert'
  | 'sslcert'
  | 'sslkey'
  | 'sslcertExplicit'
  | 'sslpassword'
  | 'sslcrl'
  | 'sslcrldir'
  | 'sslsni'
  | 'sslMinProtocolVersion'
  | 'sslMaxProtocolVersion'
  | 'sslcertmode'
  | 'sslkeylogfile'
>;

/** TLS versions, oldest first. */
const TLS_VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** Set and not empty: libpq's test for the file-name keywords. */
function given(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

/**
 * Resolves and checks the SSL keywords in libpq's order: sslmode (default
 * `prefer`, or `verify-full` with sslrootcert=system), sslnegotiation
 * (`direct` needs sslmode require or stronger), sslrootcert=system (needs
 * verify-full), the TLS version range, then sslcertmode. File names not
 * given default to files under `~/.postgresql`; whether they exist is for
 * the connect step to find out; so does the CRL file (~/.postgresql/root.crl), used
 * unless sslcrl or sslcrldir is given.
 *
 * @example
 * resolveSsl(new Map([['sslrootcert', 'system']]), '/home/ann').sslmode; // 'verify-full'
 */
export function resolveSsl(settings: Settings, home: string): SslConfig {
  const rootcert = settings.get('sslrootcert');
  const mode = settings.get('sslmode');
  const sslmode = chooseSslMode(mode, rootcert);

  const sslnegotiation = oneOf('sslnegotiation', settings.get('sslnegotiation') ?? 'postgres', [
    'postgres',
    'direct',
  ] as const);
  if (sslnegotiation === 'direct' && !sslModeAtLeast(sslmode, 'require')) {
    throw invalidConfig(
      `weak sslmode "${sslmode}" may not be used with sslnegotiation=direct (use "require", "verify-ca", or "verify-full")`,
    );
  }
  if (rootcert === 'system' && sslmode !== 'verify-full') {
    throw invalidConfig(
      `weak sslmode "${sslmode}" may not be used with sslrootcert=system (use "verify-full")`,
    );
  }

  const cert = settings.get('sslcert');
  const key = settings.get('sslkey');
  const crl = settings.get('sslcrl');
  const crldir = settings.get('sslcrldir');
  return {
    sslmode,
    sslnegotiation,
    sslrootcert: given(rootcert) ? rootcert : (underHome(home, ROOT_CERT_FILE) ?? ''),
    sslcert: given(cert) ? cert : (underHome(home, USER_CERT_FILE) ?? ''),
    sslkey: given(key) ? key : (underHome(home, USER_KEY_FILE) ?? ''),
    sslcertExplicit: given(cert) || given(key),
    sslpassword: settings.get('sslpassword'),
    // libpq reads ~/.postgresql/root.crl when neither sslcrl nor sslcrldir is given.
    sslcrl: given(crl) ? crl : given(crldir) ? undefined : underHome(home, ROOT_CRL_FILE),
    sslcrldir: optional(crldir),
    sslsni: parseSwitch('sslsni', settings.get('sslsni') ?? '1'),
    ...resolveTlsRange(settings),
    sslcertmode: resolveCertMode(settings.get('sslcertmode')),
    sslkeylogfile: optional(settings.get('sslkeylogfile')),
  };
}

/** libpq strengthens only its compiled-in default for sslrootcert=system, never a given sslmode. */
function chooseSslMode(mode: string | undefined, rootcert: string | undefined): SslMode {
  if (mode !== undefined) return oneOf('sslmode', mode, SSL_MODES);
  return rootcert === 'system' ? 'verify-full' : 'prefer';
}

function optional(value: string | undefined): string | undefined {
  return given(value) ? value : undefined;
}

/**
 * ssl_min_protocol_version and ssl_max_protocol_version, matched without
 * regard to case. An empty minimum means no minimum (TLSv1, as libpq leaves
 * it to the TLS library); an empty maximum means none.
 */
function resolveTlsRange(
  settings: Settings,
): Pick<SslConfig, 'sslMinProtocolVersion' | 'sslMaxProtocolVersion'> {
  const min = tlsVersion(
    'ssl_min_protocol_version',
    settings.get('ssl_min_protocol_version') ?? 'TLSv1.2',
  );
  const max = tlsVersion(
    'ssl_max_protocol_version',
    settings.get('ssl_max_protocol_version') ?? '',
  );
  const sslMinProtocolVersion = min ?? 'TLSv1';
  if (
    max !== undefined &&
    TLS_VERSIONS.indexOf(sslMinProtocolVersion) > TLS_VERSIONS.indexOf(max)
  ) {
    throw invalidConfig(
      'invalid SSL protocol version range',
      `ssl_min_protocol_version ${sslMinProtocolVersion} is above ssl_max_protocol_version ${max}`,
    );
  }
  return { sslMinProtocolVersion, sslMaxProtocolVersion: max };
}

function tlsVersion(keyword: string, value: string): TlsVersion | undefined {
  if (value === '') return undefined;
  const version = TLS_VERSIONS.find((v) => v.toLowerCase() === value.toLowerCase());
  if (version === undefined) {
    throw invalidConfig(
      `invalid "${keyword}" value: "${value}"`,
      `use one of: ${TLS_VERSIONS.join(', ')}`,
    );
  }
  return version;
}

/**
 * sslcertmode: `allow` (default) sends a client certificate when one is
 * configured, `disable` never does. `require` needs to know whether the
 * server asked for a certificate, which Node's TLS does not tell.
 */
function resolveCertMode(value: string | undefined): 'allow' | 'disable' {
  const mode = oneOf('sslcertmode', value ?? 'allow', ['disable', 'allow', 'require'] as const);
  if (mode === 'require') {
    throw notSupported(
      'sslcertmode value "require" is not supported by rxpg',
      'use sslcertmode=allow, or check on the server with clientcert=verify-full',
    );
  }
  return mode;
}
