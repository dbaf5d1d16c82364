/**
 * Errors raised by rxpg.
 *
 * Server errors are {@link DatabaseError}s carrying every ErrorResponse field.
 * Everything the client itself detects is an {@link RxpgError} with a stable
 * `code` string that callers can switch on.
 */

/** Stable codes of client-side errors. */
export const ErrorCode = {
  /** A connection parameter is unknown, misspelt or has an invalid value. */
  InvalidConfig: 'RXPG_INVALID_CONFIG',
  /** A libpq keyword or value that rxpg recognises but does not implement. */
  NotSupported: 'RXPG_NOT_SUPPORTED',
  /** The socket could not be opened (refused, unreachable, DNS failure). */
  ConnectFailed: 'RXPG_CONNECT_FAILED',
  /** connect_timeout (or a query timeout) elapsed. */
  Timeout: 'RXPG_TIMEOUT',
  /** The server closed the connection, or the socket failed after it opened. */
  ConnectionClosed: 'RXPG_CONNECTION_CLOSED',
  /** The server refused encryption that the sslmode requires. */
  SslRequired: 'RXPG_SSL_REQUIRED',
  /** The server answered SSLRequest with something other than 'S' or 'N'. */
  SslRefused: 'RXPG_SSL_REFUSED',
  /** Bytes arrived after the 'S' reply, before the TLS handshake (CVE-2021-23222). */
  SslInjection: 'RXPG_SSL_INJECTED_BYTES',
  /** The TLS handshake or certificate check failed. */
  TlsFailed: 'RXPG_TLS_FAILED',
  /** verify-ca or verify-full was asked for but no root certificate was found. */
  NoRootCertificate: 'RXPG_NO_ROOT_CERT',
  /** The server sent bytes that break the protocol. */
  ProtocolViolation: 'RXPG_PROTOCOL_VIOLATION',
  /** A message was longer than the limit in force. */
  MessageTooLarge: 'RXPG_MESSAGE_TOO_LARGE',
  /** The server asked for an authentication method the client refuses or lacks. */
  AuthRefused: 'RXPG_AUTH_REFUSED',
  /** The server asked for a password and none was given. */
  PasswordRequired: 'RXPG_PASSWORD_REQUIRED',
  /** The SCRAM exchange failed on the client side (bad nonce, bad signature). */
  SaslFailed: 'RXPG_SASL_FAILED',
  /** The connection is closed or closing; no query can be sent. */
  ConnectionUnusable: 'RXPG_CONNECTION_UNUSABLE',
  /** A query parameter cannot be encoded, or their number does not match the statement. */
  InvalidParameter: 'RXPG_INVALID_PARAMETER',
  /** A value from the server could not be decoded. */
  DecodeFailed: 'RXPG_DECODE_FAILED',
  /** A server parameter changed to a value that rxpg cannot work with. */
  UnsupportedServerSetting: 'RXPG_UNSUPPORTED_SERVER_SETTING',
  /** A Client's `close()` or `closeNow()` was called: it takes no new work. */
  ClientClosed: 'RXPG_CLIENT_CLOSED',
  /** No pooled connection came free within the Client's `acquireTimeout`. */
  AcquireTimeout: 'RXPG_ACQUIRE_TIMEOUT',
  /** The Client's wait queue already holds `maxWaiting` requests. */
  PoolQueueFull: 'RXPG_POOL_QUEUE_FULL',
  /** COMMIT was answered with ROLLBACK: an error inside the transaction was swallowed. */
  TransactionRolledBack: 'RXPG_TRANSACTION_ROLLED_BACK',
  /**
   * The client certificate or its key cannot be used: unreadable, a key file that others may
   * read, a wrong or missing sslpassword, or a key that does not belong to the certificate.
   */
  ClientCertificateFailed: 'RXPG_CLIENT_CERT_FAILED',
  /** The `tls` option held a setting that could weaken the checks the sslmode asks for. */
  UnsafeTlsOption: 'RXPG_UNSAFE_TLS_OPTION',
  /** The password function of the connection parameters failed or gave no string. */
  PasswordSourceFailed: 'RXPG_PASSWORD_SOURCE_FAILED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error detected by the client, with a stable `code` and, where useful, a `hint`. */
export class RxpgError extends Error {
  override name = 'RxpgError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { cause?: unknown; hint?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }

  /** What the user can do about it, when rxpg knows. */
  readonly hint: string | undefined;
}

/** The fields of an ErrorResponse or NoticeResponse, by their protocol names. */
export interface ServerMessageFields {
  severity?: string;
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
  position?: string;
  internalPosition?: string;
  internalQuery?: string;
  where?: string;
  schema?: string;
  table?: string;
  column?: string;
  dataType?: string;
  constraint?: string;
  file?: string;
  line?: string;
  routine?: string;
}

/**
 * An error reported by the server (ErrorResponse), with every field it sent.
 *
 * @example
 * conn.query('select 1/0').subscribe({
 *   error: (e) => e instanceof DatabaseError && e.code, // '22012'
 * });
 */
export class DatabaseError extends Error implements ServerMessageFields {
  override name = 'DatabaseError';
  /** The SQLSTATE, e.g. `'28P01'` for a wrong password. */
  readonly code: string;
  readonly severity?: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly position?: string;
  readonly internalPosition?: string;
  readonly internalQuery?: string;
  readonly where?: string;
  readonly schema?: string;
  readonly table?: string;
  readonly column?: string;
  readonly dataType?: string;
  readonly constraint?: string;
  readonly file?: string;
  readonly line?: string;
  readonly routine?: string;
  /** The SQL text whose execution failed, when the error belongs to a query. */
  readonly query?: string;

  constructor(fields: ServerMessageFields, query?: string) {
    super(fields.message ?? 'unknown server error');
    this.code = fields.code ?? 'XX000';
    this.severity = fields.severity;
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.position = fields.position;
    this.internalPosition = fields.internalPosition;
    this.internalQuery = fields.internalQuery;
    this.where = fields.where;
    this.schema = fields.schema;
    this.table = fields.table;
    this.column = fields.column;
    this.dataType = fields.dataType;
    this.constraint = fields.constraint;
    this.file = fields.file;
    this.line = fields.line;
    this.routine = fields.routine;
    this.query = query;
  }
}
