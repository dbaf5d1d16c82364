/**
 * The connection parameters after parsing, with libpq's defaults and the PG*
 * environment applied. Everything downstream of `config/` reads this shape and
 * nothing else.
 */

/** libpq's sslmodes, weakest first; compare with {@link sslModeAtLeast}. */
export const SSL_MODES = [
  'disable',
  'allow',
  'prefer',
  'require',
  'verify-ca',
  'verify-full',
] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** True when `mode` is `floor` or stronger, e.g. `sslModeAtLeast(mode, 'verify-ca')`. */
export function sslModeAtLeast(mode: SslMode, floor: SslMode): boolean {
  return SSL_MODES.indexOf(mode) >= SSL_MODES.indexOf(floor);
}

export type ChannelBinding = 'disable' | 'prefer' | 'require';
export type SslNegotiation = 'postgres' | 'direct';
export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
export type TargetSessionAttrs =
  'any' | 'read-write' | 'read-only' | 'primary' | 'standby' | 'prefer-standby';

/** One place to connect to: a TCP host and port, or a Unix socket folder and port. */
export interface HostTarget {
  /**
   * Host name, IP literal, or (starting with `/` or `@`) a Unix socket folder;
   * `''` when only `hostaddr` was given for this target.
   */
  readonly host: string;
  /** Numeric address to connect to instead of resolving `host` (libpq `hostaddr`). */
  readonly hostaddr?: string;
  readonly port: number;
}

/** The parsed form of `require_auth`. */
export interface RequireAuth {
  /** Methods named in the list. */
  readonly methods: readonly ('password' | 'md5' | 'scram-sha-256' | 'gss' | 'sspi' | 'none')[];
  /** True for a list of `!method` entries: everything but these is allowed. */
  readonly negated: boolean;
}

/** Connection parameters, resolved. Field names follow libpq keywords in camelCase. */
export interface ConnectConfig {
  readonly hosts: readonly HostTarget[];
  readonly user: string;
  readonly password?: string;
  /**
   * Resolved passfile path (explicit, PGPASSFILE, or ~/.pgpass); read at connect time.
   * Undefined when a password was given (libpq then never reads the file).
   */
  readonly passfile?: string;
  readonly dbname: string;
  readonly sslmode: SslMode;
  /** Path to the root certificate file (explicit or `~/.postgresql/root.crt`), or `'system'`. */
  readonly sslrootcert: string;
  /** Path to the client certificate (explicit or `~/.postgresql/postgresql.crt`). */
  readonly sslcert: string;
  /** Path to the client key (explicit or `~/.postgresql/postgresql.key`). */
  readonly sslkey: string;
  /** True when sslcert/sslkey were given explicitly (a missing default means no client cert). */
  readonly sslcertExplicit: boolean;
  readonly sslpassword?: string;
  /**
   * Path to a certificate revocation list file (explicit, or `~/.postgresql/root.crl` when
   * neither sslcrl nor sslcrldir is given); used only when the server's chain is checked.
   */
  readonly sslcrl?: string;
  readonly sslsni: boolean;
  readonly sslnegotiation: SslNegotiation;
  readonly sslMinProtocolVersion: TlsVersion;
  readonly sslMaxProtocolVersion?: TlsVersion;
  readonly channelBinding: ChannelBinding;
  readonly requireAuth?: RequireAuth;
  /** Seconds; 0 or undefined means wait forever, as libpq. */
  readonly connectTimeout?: number;
  readonly applicationName?: string;
  readonly fallbackApplicationName?: string;
  /** Command-line options sent to the server (`-c name=value ...`). */
  readonly options?: string;
  readonly targetSessionAttrs: TargetSessionAttrs;
  readonly loadBalanceHosts: 'disable' | 'random';
  readonly keepalives: boolean;
  readonly keepalivesIdle?: number;
  readonly keepalivesInterval?: number;
  readonly keepalivesCount?: number;
  /** Milliseconds (libpq `tcp_user_timeout`); 0 or undefined leaves the system default. */
  readonly tcpUserTimeout?: number;
  /** libpq `sslcertmode`: `disable` never sends a client certificate; undefined means `allow`. */
  readonly sslcertmode?: 'allow' | 'disable';
  /** A folder of CRL files (libpq `sslcrldir`), used with the root certificate. */
  readonly sslcrldir?: string;
  /** File to append TLS key material to, for debugging (libpq 18 `sslkeylogfile`). */
  readonly sslkeylogfile?: string;
  /**
   * Extra settings for the startup message that libpq takes from the
   * environment (PGTZ as `timezone`, PGGEQO as `geqo`).
   */
  readonly serverSettings?: Readonly<Record<string, string>>;
}
