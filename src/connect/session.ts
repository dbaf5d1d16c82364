import type { HostTarget } from '../config/types';
import type { MessageStream } from '../protocol/message-stream';
import type { TransactionStatus } from '../protocol/messages';

/** The key a CancelRequest must quote. */
export interface BackendKey {
  readonly processId: number;
  readonly secretKey: number;
}

/**
 * An authenticated session, ready for queries: what the connection pipeline
 * hands to a Connection.
 */
export interface Session {
  readonly stream: MessageStream;
  readonly target: HostTarget;
  /** True when the session runs over TLS. */
  readonly encrypted: boolean;
  /** Server parameters reported so far (server_version, TimeZone, ...). */
  readonly parameters: Map<string, string>;
  readonly backendKey: BackendKey | undefined;
  readonly status: TransactionStatus;
}
