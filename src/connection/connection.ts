import { serialize } from 'pg-protocol';
import { Observable, Subject } from 'rxjs';
import type { Session } from '../connect/session';
import { ErrorCode, RxpgError, type ServerMessageFields } from '../errors';
import type { MessageHandler } from '../protocol/message-stream';
import type { BackendMessage, TransactionStatus } from '../protocol/messages';
import type { Row } from '../query/columns';
import { CopyIn } from '../query/copy-in';
import { CopyOut } from '../query/copy-out';
import type { CopySource } from '../query/copy-source';
import { ExtendedQuery } from '../query/extended-query';
import { SimpleQuery, type QueryOptions } from '../query/simple-query';
import { StatementCache } from '../query/statement-cache';
import type { TypeParsers } from '../query/types';
import type { Request } from './request';

/**
 * Where a connection is in its life:
 * - `ready`: idle, waiting for a request;
 * - `busy`: a request is on the wire;
 * - `closing`: Terminate sent, or failing;
 * - `closed`: the socket is gone.
 */
export type ConnectionState = 'ready' | 'busy' | 'closing' | 'closed';

/** A NotificationResponse: what `NOTIFY channel, payload` delivers to listeners. */
export interface Notification {
  readonly channel: string;
  readonly payload: string;
  /** The process id of the notifying backend. */
  readonly processId: number;
}

/** Client behaviour of one connection (camelCase, unlike libpq's parameters). */
export interface ConnectionOptions {
  /** Parsers by type OID, applied to every query on the connection. */
  readonly types?: TypeParsers;
  /**
   * How many prepared statements each connection keeps (default 100). 0 uses only
   * unnamed statements, as poolers in transaction mode (PgBouncer) need.
   */
  readonly statementCacheSize?: number;
}

const DEFAULT_STATEMENT_CACHE_SIZE = 100;

/** The value of client_encoding that rxpg's decoding relies on. */
const CLIENT_ENCODING = 'UTF8';

/**
 * One open connection to a server. Requests run one at a time in the order
 * they were subscribed; server-initiated messages (notices, notifications,
 * parameter changes) are routed to their own observables.
 *
 * Obtain one with {@link connect}.
 *
 * @example
 * connect('postgresql://app@localhost/app')
 *   .pipe(switchMap((conn) => conn.query('select 1 as one')))
 *   .subscribe((row) => console.log(row.one));
 */
export class Connection {
  private state: ConnectionState = 'ready';
  /** Requests subscribed but not yet written. */
  private readonly queue: Request[] = [];
  /** The request on the wire, whose replies are arriving. */
  private current: Request | undefined;
  private status: TransactionStatus;
  private readonly notices = new Subject<ServerMessageFields>();
  private readonly notifications = new Subject<Notification>();
  private readonly parameterChanges = new Subject<{ name: string; value: string }>();
  /** Named statements prepared on this connection; undefined when only unnamed ones are used. */
  private readonly statements: StatementCache | undefined;
  /** Emits once when the connection ends: the error, or undefined for a close we asked for. */
  private readonly ended = new Subject<RxpgError | undefined>();

  /** NoticeResponse messages (warnings, RAISE NOTICE); never printed by rxpg. */
  readonly notices$: Observable<ServerMessageFields> = this.notices.asObservable();
  /** NotificationResponse messages (LISTEN/NOTIFY). */
  readonly notifications$: Observable<Notification> = this.notifications.asObservable();
  /** ParameterStatus changes after startup (e.g. a `SET TimeZone`). */
  readonly parameterChanges$ = this.parameterChanges.asObservable();
  /** Emits once when the connection ends: the error, or undefined when it was closed on purpose. */
  readonly ended$: Observable<RxpgError | undefined> = this.ended.asObservable();

  /** @internal */
  constructor(
    private readonly session: Session,
    private readonly options: ConnectionOptions = {},
  ) {
    this.status = session.status;
    const cacheSize = options.statementCacheSize ?? DEFAULT_STATEMENT_CACHE_SIZE;
    this.statements = cacheSize > 0 ? new StatementCache(cacheSize) : undefined;
    session.stream.handler = this.handler;
  }

  /** The backend's process id, as `pg_backend_pid()` reports it. */
  get processId(): number | undefined {
    return this.session.backendKey?.processId;
  }

  /** True when the connection runs over TLS. */
  get encrypted(): boolean {
    return this.session.encrypted;
  }

  /** Server parameters: server_version, TimeZone, in_hot_standby, ... */
  get serverParameters(): ReadonlyMap<string, string> {
    return this.session.parameters;
  }

  /** The transaction status of the last ReadyForQuery: idle, in a transaction, or failed. */
  get transactionStatus(): TransactionStatus {
    return this.status;
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  /**
   * Runs `sql` with the simple query protocol (it may hold several statements)
   * and emits every row of every statement. Cold: nothing is sent until
   * subscription.
   *
   * @example
   * conn.query<{ n: number }>('select 1 as n').subscribe((row) => row.n);
   */
  query<T = Row>(sql: string, options: QueryOptions = {}): Observable<T> {
    return this.request<T>(
      (subscriber) =>
        new SimpleQuery<T>(sql, subscriber, { ...this.options.types, ...options.types }),
    );
  }

  /**
   * Runs one statement with the extended protocol: parameters are always bound,
   * never spliced into the SQL. Repeated statements skip Parse through a
   * per-connection cache of prepared statements (see `statementCacheSize`).
   *
   * @example
   * conn.executeStatement('select * from users where id = $1', [42]).subscribe(console.log);
   */
  executeStatement<T = Row>(
    sql: string,
    params: readonly unknown[] = [],
    options: QueryOptions = {},
  ): Observable<T> {
    return this.request<T>(
      (subscriber) =>
        new ExtendedQuery<T>(
          sql,
          params,
          subscriber,
          { ...this.options.types, ...options.types },
          this.statements,
        ),
    );
  }

  /**
   * Runs `COPY ... TO STDOUT` and emits the data as it arrives: one Buffer per
   * CopyData message (a row, in the text and CSV formats).
   *
   * @example
   * conn.copyTo('copy users to stdout (format csv)').subscribe((chunk) => out.write(chunk));
   */
  copyTo(sql: string): Observable<Buffer> {
    return this.request<Buffer>((subscriber) => new CopyOut(sql, subscriber));
  }

  /**
   * Runs `COPY ... FROM STDIN` with the chunks of `source` and emits the number
   * of rows copied. The source is read once the server is ready and paused
   * while the socket is full (Iterable and AsyncIterable sources); when it
   * errors, or the subscriber unsubscribes, CopyFail leaves the table unchanged.
   *
   * @example
   * conn.copyFrom('copy users (id, name) from stdin', ['1\tada\n', '2\tbob\n'])
   *   .subscribe((rows) => console.log(rows)); // 2
   */
  copyFrom(sql: string, source: CopySource): Observable<number> {
    return this.request<number>(
      (subscriber) => new CopyIn(sql, source, subscriber, this.session.stream),
    );
  }

  /** Sends Terminate and closes the socket; queued requests fail. */
  close(): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    this.session.stream.close(serialize.end());
    this.end(undefined);
  }

  /** Runs a request built for each subscription; unsubscribing withdraws it. @internal */
  request<T>(build: (subscriber: import('rxjs').Subscriber<T>) => Request): Observable<T> {
    return new Observable<T>((subscriber) => {
      if (this.state === 'closing' || this.state === 'closed') {
        subscriber.error(
          new RxpgError(ErrorCode.ConnectionUnusable, 'the connection is closed', {
            hint: 'open a new connection, or use a Client, which replaces broken connections',
          }),
        );
        return undefined;
      }
      const request = build(subscriber);
      this.queue.push(request);
      this.next();
      return () => this.withdraw(request);
    });
  }

  /** A request whose subscriber left: dropped if still queued; otherwise its replies are discarded. */
  private withdraw(request: Request): void {
    const index = this.queue.indexOf(request);
    if (index >= 0) this.queue.splice(index, 1);
    // TODO(#5): cancel a running request on the server instead of draining it.
  }

  private next(): void {
    while (this.state === 'ready') {
      const request = this.queue.shift();
      if (request === undefined) return;
      let payload: Buffer;
      try {
        payload = request.start();
      } catch (error) {
        // A request that cannot be encoded (a bad parameter) fails alone, before sending anything.
        request.failed(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      this.current = request;
      this.state = 'busy';
      this.session.stream.write(payload);
    }
  }

  private readonly handler: MessageHandler = {
    row: (buffer, start, end) => {
      if (this.current === undefined) throw unexpected('data row');
      this.current.row(buffer, start, end);
    },
    message: (message) => this.route(message),
    failed: (error) => this.end(error),
  };

  private route(message: BackendMessage): void {
    switch (message.name) {
      case 'notice':
        this.notices.next(message.fields);
        return;
      case 'notification':
        this.notifications.next({
          channel: message.channel,
          payload: message.payload,
          processId: message.processId,
        });
        return;
      case 'parameterStatus':
        this.parameterChanged(message.parameter, message.value);
        return;
      case 'readyForQuery': {
        const request = this.current;
        if (request === undefined) throw unexpected('ReadyForQuery');
        this.status = message.status;
        this.current = undefined;
        this.state = 'ready';
        if (request.done(message.status) === true) this.queue.unshift(request);
        this.next();
        return;
      }
      default: {
        if (this.current === undefined) {
          // An error with no request is the server ending the session (e.g. terminated backend).
          if (message.name === 'error') return this.serverError(message.fields);
          throw unexpected(message.name);
        }
        const reply = this.current.message(message);
        if (reply !== undefined) this.session.stream.write(reply);
      }
    }
  }

  private parameterChanged(name: string, value: string): void {
    this.session.parameters.set(name, value);
    this.parameterChanges.next({ name, value });
    if (name === 'client_encoding' && value.toUpperCase() !== CLIENT_ENCODING) {
      this.session.stream.fail(
        new RxpgError(
          ErrorCode.UnsupportedServerSetting,
          `client_encoding changed to ${value}; rxpg only works with UTF8`,
          { hint: 'do not SET client_encoding on an rxpg connection' },
        ),
      );
    }
  }

  private serverError(fields: ServerMessageFields): void {
    this.session.stream.fail(
      new RxpgError(
        ErrorCode.ConnectionClosed,
        `server ended the session: ${fields.message ?? 'unknown error'}`,
        {
          hint:
            fields.code === '57P01' ? 'the backend was terminated by an administrator' : undefined,
        },
      ),
    );
  }

  private end(error: RxpgError | undefined): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const failure =
      error ?? new RxpgError(ErrorCode.ConnectionUnusable, 'the connection was closed');
    const pending = this.current === undefined ? this.queue : [this.current, ...this.queue];
    this.current = undefined;
    this.queue.length = 0;
    for (const request of pending) request.failed(failure);
    this.ended.next(error);
    this.ended.complete();
    this.notices.complete();
    this.notifications.complete();
    this.parameterChanges.complete();
  }
}

function unexpected(what: string): RxpgError {
  return new RxpgError(
    ErrorCode.ProtocolViolation,
    `unexpected ${what} while no request was running`,
  );
}
