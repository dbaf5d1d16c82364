/**
 * rxpg: a PostgreSQL client in the style of RxJS.
 *
 * @example
 * import { connect } from 'rxpg';
 * import { switchMap, take } from 'rxjs';
 *
 * connect('postgresql://app@localhost/app')
 *   .pipe(switchMap((conn) => conn.query('select 1 as one')), take(1))
 *   .subscribe((row) => show(row.one));
 */
export { connect, type ConnectOptions } from './connection/connect';
export { withConnection } from './connection/with-connection';
export {
  Connection,
  type ConnectionOptions,
  type ConnectionState,
  type Notification,
} from './connection/connection';
export { DatabaseError, ErrorCode, RxpgError, type ServerMessageFields } from './errors';
export type { ConnectionParameters } from './config';
export type { ConnectConfig, SslMode } from './config/types';
export type { Column, Row } from './query/columns';
export type { QueryOptions } from './query/simple-query';
export {
  keepText,
  TypeOid,
  type DateValue,
  type TextParser,
  type TypeParsers,
} from './query/types';
export type { ParameterValue } from './query/params';
export { Client } from './client/client';
export type { ClientOptions } from './client/client-options';
export type { ConnectHook } from './client/open-connection';
export type { PoolStats } from './client/pool-stats';
export type { Transaction } from './client/transaction-scope';
export type { IsolationLevel, TransactionOptions } from './client/transaction-options';
export type { ListenEvent } from './client/listen-event';
export { escapeIdentifier, escapeLiteral } from './client/escape';
export type { CopyChunk, CopySource } from './query/copy-source';
export type { Result } from './query/result';
export type { RowMode } from './query/columns';
export type { PostgresValue } from './query/params';
export {
  isTransactionRollback,
  SqlState,
  SqlStateClass,
  sqlStateClass,
  sqlStateClassName,
} from './errors-sqlstate';
export type { CursorOptions } from './query/cursor-query';
export type { ConnectParameters, PasswordSource } from './connection/password-source';
