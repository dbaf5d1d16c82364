/** Protocol constants, named (PostgreSQL protocol 3.0, "Message Formats"). */

/** The request code of SSLRequest: 1234 in the high 16 bits, 5679 in the low. */
export const SSL_REQUEST_CODE = 80877103;
/** The request code of CancelRequest: 1234 / 5678. */
export const CANCEL_REQUEST_CODE = 80877102;
/** Protocol 3.0, as sent in StartupMessage. */
export const PROTOCOL_VERSION_3_0 = 196608;

/** Reply bytes to SSLRequest. */
export const SslReply = {
  Accept: 0x53, // 'S'
  Refuse: 0x4e, // 'N'
  Error: 0x45, // 'E'
} as const;

/** Backend message type bytes. */
export const BackendCode = {
  Authentication: 0x52, // 'R'
  BackendKeyData: 0x4b, // 'K'
  BindComplete: 0x32, // '2'
  CloseComplete: 0x33, // '3'
  CommandComplete: 0x43, // 'C'
  CopyData: 0x64, // 'd'
  CopyDone: 0x63, // 'c'
  CopyInResponse: 0x47, // 'G'
  CopyOutResponse: 0x48, // 'H'
  CopyBothResponse: 0x57, // 'W'
  DataRow: 0x44, // 'D'
  EmptyQueryResponse: 0x49, // 'I'
  ErrorResponse: 0x45, // 'E'
  NegotiateProtocolVersion: 0x76, // 'v'
  NoData: 0x6e, // 'n'
  NoticeResponse: 0x4e, // 'N'
  NotificationResponse: 0x41, // 'A'
  ParameterDescription: 0x74, // 't'
  ParameterStatus: 0x53, // 'S'
  ParseComplete: 0x31, // '1'
  PortalSuspended: 0x73, // 's'
  ReadyForQuery: 0x5a, // 'Z'
  RowDescription: 0x54, // 'T'
} as const;

/** Authentication request codes carried in an 'R' message. */
export const AuthCode = {
  Ok: 0,
  KerberosV5: 2,
  CleartextPassword: 3,
  Md5Password: 5,
  Gss: 7,
  GssContinue: 8,
  Sspi: 9,
  Sasl: 10,
  SaslContinue: 11,
  SaslFinal: 12,
} as const;

/** Size of a message header: one type byte and a four-byte length. */
export const HEADER_SIZE = 5;
