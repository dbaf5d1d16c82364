import type { ServerMessageFields } from '../errors';

/** An authentication request ('R'), decoded by rxpg itself. */
export type AuthRequest =
  | { readonly kind: 'ok' }
  | { readonly kind: 'cleartext' }
  | { readonly kind: 'md5'; readonly salt: Buffer }
  | { readonly kind: 'sasl'; readonly mechanisms: readonly string[] }
  | { readonly kind: 'sasl-continue'; readonly data: Buffer }
  | { readonly kind: 'sasl-final'; readonly data: Buffer }
  /** Kerberos, GSSAPI, SSPI: methods rxpg does not implement. */
  | { readonly kind: 'unsupported'; readonly code: number };

/** One column of a RowDescription. */
export interface FieldDescription {
  readonly name: string;
  readonly tableId: number;
  readonly columnId: number;
  readonly typeId: number;
  readonly typeSize: number;
  readonly typeModifier: number;
  readonly format: 'text' | 'binary';
}

export type TransactionStatus = 'I' | 'T' | 'E';

/** Every backend message rxpg understands, discriminated by `name`. */
export type BackendMessage =
  | { readonly name: 'authentication'; readonly request: AuthRequest }
  | { readonly name: 'backendKeyData'; readonly processId: number; readonly secretKey: number }
  | { readonly name: 'parameterStatus'; readonly parameter: string; readonly value: string }
  | { readonly name: 'readyForQuery'; readonly status: TransactionStatus }
  | { readonly name: 'rowDescription'; readonly fields: readonly FieldDescription[] }
  /** The raw body of a DataRow; the query decodes it with its column parsers. */
  | { readonly name: 'dataRow'; readonly body: Buffer }
  | { readonly name: 'commandComplete'; readonly tag: string }
  | { readonly name: 'emptyQuery' }
  | { readonly name: 'error'; readonly fields: ServerMessageFields }
  | { readonly name: 'notice'; readonly fields: ServerMessageFields }
  | {
      readonly name: 'notification';
      readonly processId: number;
      readonly channel: string;
      readonly payload: string;
    }
  | { readonly name: 'parseComplete' }
  | { readonly name: 'bindComplete' }
  | { readonly name: 'closeComplete' }
  | { readonly name: 'noData' }
  | { readonly name: 'portalSuspended' }
  | { readonly name: 'parameterDescription'; readonly typeIds: readonly number[] }
  | { readonly name: 'copyInResponse'; readonly binary: boolean }
  | { readonly name: 'copyOutResponse'; readonly binary: boolean }
  | { readonly name: 'copyBothResponse'; readonly binary: boolean }
  | { readonly name: 'copyData'; readonly chunk: Buffer }
  | { readonly name: 'copyDone' }
  | { readonly name: 'negotiateProtocolVersion'; readonly newestMinor: number };

export type MessageName = BackendMessage['name'];
export type MessageOf<N extends MessageName> = Extract<BackendMessage, { name: N }>;
