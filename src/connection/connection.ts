import { serialize } from 'pg-protocol';
import {
  Observable,
  Subject,
  Subscription,
  timeout,
  TimeoutError,
  type ObservableInput,
} from 'rxjs';
import type { Session } from '../connect/session';
import { ErrorCode, RxpgError, type ServerMessageFields } from '../errors';
import type { MessageHandler } from '../protocol/message-stream';
import type { BackendMessage, TransactionStatus } from '../protocol/messages';
import type { Row } from '../query/columns';
import { CopyIn } from '../query/copy-in';
import { CopyOut } from '../query/copy-out';
import type { CopySource } from '../query/copy-source';
import { asyncRows } from '../query/async-rows';
import { CursorQuery, DEFAULT_BATCH_SIZE, type CursorOptions } from '../query/cursor-query';
import { ExtendedQuery } from '../query/extended-query';
import { rowsOutput, resultsOutput, type QueryOutput } from '../query/query-output';
import type { Result } from '../query/result';
import { SimpleQuery, type QueryOptions } from '../query/simple-query';
import { unsupportedSetting } from '../query/session-settings';
import { StatementCache } from '../query/statement-cache';
import type { TypeParsers } from '../query/types';
import type { Request } from './request';
import { Fifo } from '../fifo';

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
  /**
   * How many requests may be written before the first one's ReadyForQuery
   * (default 64), so that small queries are not each a round trip; a Client
   * lets as many single statements share one connection once all its
   * connections are open or being opened. 1 turns pipelining off.
   */
  readonly pipelineDepth?: number;
  /**
   * Milliseconds an abandoned request may take to reach ReadyForQuery after
   * it was cancelled (default 10,000); a server that does not finish by then
   * costs the connection, which is destroyed rather than left hanging.
   */
  readonly cancelTimeout?: number;
}

const DEFAULT_STATEMENT_CACHE_SIZE = 100;
/** How many requests a connection writes ahead of the first one's reply unless told otherwise. */
export const DEFAULT_PIPELINE_DEPTH = 64;

/**
 * The `pipelineDepth` option, checked: a whole number of at least 1 (anything else would stop
 * a connection from writing at all). @internal
 */
export function pipelineDepthOf(options: ConnectionOptions): number {
  const depth = options.pipelineDepth ?? DEFAULT_PIPELINE_DEPTH;
  if (Number.isInteger(depth) && depth >= 1) return depth;
  throw new RxpgError(ErrorCode.InvalidConfig, `invalid pipelineDepth ${String(depth)}`, {
    hint: 'pipelineDepth is a whole number of at least 1 (1 turns pipelining off)',
  });
}
const DEFAULT_CANCEL_TIMEOUT_MS = 10_000;
/** How long close() waits for the cancel of a running query before ending the session anyway. */
const CLOSE_CANCEL_TIMEOUT_MS = 5_000;
/** How often an abandoned request with pipelined followers is looked at before cancelling it. */
const CANCEL_LOOK_MS = 20;
/**
 * Looks without a new row after which an abandoned request with followers is taken to be
 * still running on the server (a lock wait, a long sort) and cancelled.
 */
const CANCEL_SILENT_LOOKS = 5;

/** The value of client_encoding that rxpg's decoding relies on. */
const CLIENT_ENCODING = 'UTF8';

/**
 * One open connection to a server. Requests run in the order they were
 * subscribed, several written ahead of the first one's reply (pipelining);
 * server-initiated messages (notices, notifications, parameter changes) are
 * routed to their own observables.
 *
 * Obtain one with {@link connect}.
 *
 * @example
 * connect('postgresql://app@localhost/app')
 *   .pipe(switchMap((conn) => conn.query('select 1 as one')))
 *   .subscribe((row) => show(row.one));
 */
export class Connection {
  private state: ConnectionState = 'ready';
  /** Requests subscribed but not yet written. */
  private readonly queue = new Fifo<Request>();
  /** Requests written, oldest first; replies belong to the first until its ReadyForQuery. */
  private readonly inFlight: Request[] = [];
  /** Requests whose subscriber left while they were on the wire: their replies are drained. */
  private readonly abandoned = new WeakSet<Request>();
  /** When the last request ended, or the first was written to an idle connection (ms). */
  private progressAt = 0;
  /**
   * Rows received for the first request in flight: tells whether the server still produces,
   * and once there is one, nothing more is pipelined behind it.
   */
  private headRows = 0;
  /** The next look at an abandoned head with followers (see {@link cancelHead}). */
  private cancelLook: NodeJS.Timeout | undefined;
  /** The request our last CancelRequest was sent for: it is not cancelled twice. */
  private cancelTarget: Request | undefined;
  /** A CancelRequest whose socket the server has not closed yet: nothing new is written. */
  private cancelling: Subscription | undefined;
  /** Destroys the connection if an abandoned request does not reach ReadyForQuery in time. */
  private abandonTimer: NodeJS.Timeout | undefined;
  /** A write of queued requests is scheduled for the end of the current job. */
  private writeScheduled = false;
  private status: TransactionStatus;
  private readonly notices = new Subject<ServerMessageFields>();
  private readonly notifications = new Subject<Notification>();
  private readonly parameterChanges = new Subject<{ name: string; value: string }>();
  /** Named statements prepared on this connection; undefined when only unnamed ones are used. */
  private readonly statements: StatementCache | undefined;
  /** How many requests may be in flight at once (`pipelineDepth`). */
  private readonly depth: number;
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
    private readonly cancelRequest?: () => Observable<void>,
  ) {
    this.status = session.status;
    const cacheSize = options.statementCacheSize ?? DEFAULT_STATEMENT_CACHE_SIZE;
    this.statements = cacheSize > 0 ? new StatementCache(cacheSize) : undefined;
    this.depth = pipelineDepthOf(options);
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

  /**
   * Milliseconds since the server last finished a request while more are on
   * the wire; 0 when none is. A pool puts no more work behind a connection
   * that is slow to answer. @internal
   */
  get waitingFor(): number {
    // Held back behind a cancel whose socket is still open: nothing goes out, nothing answers.
    if (this.cancelling !== undefined) return Infinity;
    return this.inFlight.length === 0 ? 0 : performance.now() - this.progressAt;
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
    return this.request<T>((subscriber) => this.simpleQuery(sql, rowsOutput(subscriber), options));
  }

  /**
   * Runs `sql` like {@link query}, but emits one {@link Result} per statement,
   * once it completes: its command tag, row count, columns and rows. A failing
   * statement emits no Result; the error follows those of the statements before it.
   *
   * @example
   * conn.queryResults("insert into t values (1), (2); delete from t where id = 1")
   *   .subscribe((r) => show(r.command, r.rowCount)); // INSERT 2, then DELETE 1
   */
  queryResults<T = Row>(sql: string, options: QueryOptions = {}): Observable<Result<T>> {
    return this.request<Result<T>>((subscriber) =>
      this.simpleQuery(sql, resultsOutput(subscriber), options),
    );
  }

  /**
   * Runs one statement with the extended protocol: parameters are always bound,
   * never spliced into the SQL. Repeated statements skip Parse through a
   * per-connection cache of prepared statements (see `statementCacheSize`).
   *
   * @example
   * conn.executeStatement('select * from users where id = $1', [42]).subscribe(show);
   */
  executeStatement<T = Row>(
    sql: string,
    params: readonly unknown[] = [],
    options: QueryOptions = {},
  ): Observable<T> {
    return this.request<T>((subscriber) =>
      this.extendedQuery(sql, params, rowsOutput(subscriber), options),
    );
  }

  /**
   * Runs one statement like {@link executeStatement}, but emits a single
   * {@link Result} when it completes: its command tag, the rows it affected or
   * returned, its columns and rows.
   *
   * @example
   * conn.executeResults('delete from sessions where expires < $1', [new Date()])
   *   .subscribe((r) => show(`${r.rowCount} sessions expired`));
   */
  executeResults<T = Row>(
    sql: string,
    params: readonly unknown[] = [],
    options: QueryOptions = {},
  ): Observable<Result<T>> {
    return this.request<Result<T>>((subscriber) =>
      this.extendedQuery(sql, params, resultsOutput(subscriber), options),
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
   *   .subscribe((rows) => show(rows)); // 2
   */
  copyFrom(sql: string, source: CopySource): Observable<number> {
    return this.request<number>(
      (subscriber) => new CopyIn(sql, source, subscriber, this.session.stream),
    );
  }

  /**
   * Reads a result in batches with bounded memory, however slow the consumer:
   * `work` gets each batch of rows and returns an Observable (or Promise); the
   * next batch is fetched from the server only once that completes. What
   * `work` emits is emitted here. Unsubscribing, or an error in `work`, closes
   * the read on the server. This is the way to write a slow consumer.
   *
   * @example
   * conn.cursor('select * from events', [], (rows) => saveAll(rows), { batchSize: 500 })
   *   .subscribe({ complete: () => show('all saved') });
   */
  cursor<T = Row, R = unknown>(
    sql: string,
    params: readonly unknown[],
    work: (rows: T[]) => ObservableInput<R>,
    options: CursorOptions = {},
  ): Observable<R> {
    return this.request<R>(
      (subscriber) =>
        new CursorQuery<T, R>(
          sql,
          params,
          subscriber,
          work,
          (bytes) => this.session.stream.write(bytes),
          this.optionsFor(options),
          options.batchSize ?? DEFAULT_BATCH_SIZE,
        ),
    );
  }

  /**
   * The rows of a query as an AsyncIterable, for code outside RxJS: fetched in
   * batches like {@link cursor}, the next one only when the loop has taken the
   * current one. Breaking out of the loop closes the read.
   *
   * @example
   * for await (const row of conn.iterate('select * from events')) await handle(row);
   */
  iterate<T = Row>(
    sql: string,
    params: readonly unknown[] = [],
    options: CursorOptions = {},
  ): AsyncIterable<T> {
    return asyncRows<T>((work) => this.cursor<T, never>(sql, params, work, options));
  }

  /** A simple-protocol request whose results go to `output`. @internal */
  simpleQuery(sql: string, output: QueryOutput, options: QueryOptions = {}): Request {
    return new SimpleQuery(sql, output, this.optionsFor(options));
  }

  /** An extended-protocol request whose results go to `output`. @internal */
  extendedQuery(
    sql: string,
    params: readonly unknown[],
    output: QueryOutput,
    options: QueryOptions = {},
  ): Request {
    return new ExtendedQuery(sql, params, output, this.optionsFor(options), this.statements);
  }

  /** A query's options with the connection's parsers under its own. */
  private optionsFor<O extends QueryOptions>(options: O): O {
    const types = this.typesFor(options);
    return types === options.types ? options : { ...options, types };
  }

  /**
   * The parsers of a query: the connection's, overridden by the query's; undefined when neither.
   */
  private typesFor(options: QueryOptions): TypeParsers | undefined {
    const own = this.options.types;
    if (options.types === undefined) return own;
    return own === undefined ? options.types : { ...own, ...options.types };
  }

  /** Cancels a running query, sends Terminate and closes the socket; queued requests fail. */
  close(): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    const busy = this.inFlight.length > 0 && this.cancelRequest !== undefined;
    this.state = 'closing';
    const terminate = (): void => this.session.stream.close(serialize.end());
    if (busy && this.cancelRequest !== undefined) {
      // A backend busy with a query reads Terminate only when it is done, which may be never:
      // cancel the query first, then end the session.
      this.cancelRequest()
        .pipe(timeout({ first: CLOSE_CANCEL_TIMEOUT_MS }))
        .subscribe({ complete: terminate, error: terminate });
    } else {
      terminate();
    }
    this.end(undefined);
  }

  /**
   * Gives the connection up at once: the socket is destroyed with no cancel
   * and no Terminate, and every request pending fails with `error`. For a
   * connection known to be unusable (a network that stopped answering), where
   * {@link close} would wait on a server that does not answer. @internal
   */
  destroy(error: RxpgError): void {
    this.session.stream.fail(error);
  }

  /** Runs a request built for each subscription; unsubscribing withdraws it. @internal */
  request<T>(build: (subscriber: import('rxjs').Subscriber<T>) => Request): Observable<T> {
    return new Observable<T>((subscriber) => {
      if (this.state === 'closing' || this.state === 'closed') {
        subscriber.error(closedError());
        return undefined;
      }
      return this.enqueue(build(subscriber));
    });
  }

  /**
   * Queues `request` (it fails at once on a closed connection); returns what
   * withdraws it, as unsubscribing from {@link request} does. @internal
   */
  enqueue(request: Request): () => void {
    if (this.state === 'closing' || this.state === 'closed') {
      request.failed(closedError());
      return () => undefined;
    }
    this.queue.push(request);
    this.scheduleWrite();
    return () => this.withdraw(request);
  }

  /**
   * Writes queued requests at the end of the current job, not at once: a
   * query subscribed in the same job as another one's unsubscription (`take`
   * followed by the next query) must not be pipelined behind the abandoned
   * one, which could then no longer be cancelled safely.
   */
  private scheduleWrite(): void {
    if (this.writeScheduled) return;
    this.writeScheduled = true;
    queueMicrotask(() => {
      this.writeScheduled = false;
      this.next();
    });
  }

  /**
   * A request whose subscriber left. Still queued: dropped, never sent. On the
   * wire: its replies are drained to ReadyForQuery and, once it is the first
   * in flight, it is cancelled on the server (CancelRequest on a new socket).
   * Nothing new is written until the server closed the cancel socket, so the
   * cancel cannot hit a later query; one already written behind it is
   * exposed only as {@link cancelHead} says. A request that does not reach
   * ReadyForQuery within `cancelTimeout` costs the connection.
   */
  private withdraw(request: Request): void {
    if (this.queue.delete(request)) return;
    if (!this.inFlight.includes(request) || this.abandoned.has(request)) return;
    this.abandoned.add(request);
    if (this.inFlight[0] === request) this.cancelHead();
    this.abandonTimer ??= setTimeout(() => {
      this.session.stream.fail(
        new RxpgError(
          ErrorCode.Timeout,
          'an abandoned query did not end in time; the connection was closed',
          { hint: 'raise cancelTimeout if the server is slow to cancel' },
        ),
      );
    }, this.options.cancelTimeout ?? DEFAULT_CANCEL_TIMEOUT_MS);
    this.abandonTimer.unref();
  }

  /**
   * Cancels the first request in flight, unless it ends itself (CopyFail).
   * Alone on the wire, at once. With pipelined requests behind it, a cancel
   * that arrives after the server finished it would hit one of them, so it is
   * sent only while the server is seen still busy with the abandoned request:
   * rows keep arriving from one look to the next, or no new row has come
   * for {@link CANCEL_SILENT_LOOKS} looks (a finished request's reply would
   * have). A short result ends by itself before that, and its followers are
   * never exposed. A cancel cannot be aimed at one request: if the abandoned
   * one ends just before it lands, the next one fails with 57014 instead (and
   * PostgreSQL, which signals the backend twice, sometimes ends the one
   * behind the cancelled one too).
   * Nothing is run again on that account: a statement cut short may have had
   * effects a rollback does not undo (a procedure that commits, an advisory
   * lock, a sequence).
   */
  private cancelHead(): void {
    const head = this.inFlight[0];
    if (head === undefined || head.abandonment === 'self') return;
    if (this.inFlight.length === 1) return this.cancel();
    const seen = this.headRows;
    let silent = 0;
    const look = (): void => {
      if (this.inFlight[0] !== head || this.state === 'closed') return;
      if (this.headRows === seen && ++silent < CANCEL_SILENT_LOOKS) {
        // Nothing new: the result may be complete and waiting in buffers; look again.
        this.cancelLook = setTimeout(look, CANCEL_LOOK_MS);
        return;
      }
      this.cancel();
    };
    clearTimeout(this.cancelLook);
    this.cancelLook = setTimeout(look, CANCEL_LOOK_MS);
  }

  private cancel(): void {
    const cancelRequest = this.cancelRequest;
    if (cancelRequest === undefined || this.cancelling !== undefined) return;
    this.cancelTarget = this.inFlight[0];
    const finished = (): void => {
      this.cancelling = undefined;
      const target = this.cancelTarget;
      this.cancelTarget = undefined;
      // A request abandoned while this cancel was out, and not cancelled yet, gets its own now.
      const head = this.inFlight[0];
      if (head !== undefined && head !== target && this.abandoned.has(head)) {
        this.cancelHead();
      }
      this.next();
    };
    const cancelling = new Subscription();
    this.cancelling = cancelling;
    const bound = this.options.cancelTimeout ?? DEFAULT_CANCEL_TIMEOUT_MS;
    cancelling.add(
      cancelRequest()
        .pipe(timeout({ first: bound }))
        .subscribe({
          complete: finished,
          error: (error: unknown) => {
            if (!(error instanceof TimeoutError)) return finished();
            // A cancel still on its way could hit any later query: the connection must go.
            this.session.stream.fail(
              new RxpgError(ErrorCode.Timeout, 'a cancel request did not go through in time', {
                hint: 'the network to the server may be stalled',
              }),
            );
          },
        }),
    );
  }

  /** Writes queued requests while the pipeline has room, in one write to the socket. */
  private next(): void {
    const payloads: Buffer[] = [];
    this.take(payloads);
    if (payloads.length === 1) this.session.stream.write(payloads[0]);
    else if (payloads.length > 1) this.session.stream.write(Buffer.concat(payloads));
  }

  /** Moves queued requests into flight while the pipeline has room, collecting their bytes. */
  private take(payloads: Buffer[]): void {
    const depth = this.depth;
    while (
      (this.state === 'ready' || this.state === 'busy') &&
      this.cancelling === undefined &&
      this.inFlight.length < depth
    ) {
      const request = this.queue.first();
      if (request === undefined) return;
      const last = this.inFlight[this.inFlight.length - 1];
      if (last !== undefined) {
        // An exclusive request (a cursor, COPY) shares the wire with nothing; a request
        // already streaming rows gains nothing from company and would lose its cancel.
        if (last.exclusive === true || request.exclusive === true || this.headRows > 0) return;
        // Nothing is written behind a request being drained: it may still be cancelled.
        if (this.abandoned.has(last)) return;
      }
      this.queue.delete(request);
      let payload: Buffer;
      try {
        payload = request.start();
      } catch (error) {
        // A request that cannot be encoded (a bad parameter) fails alone, before sending anything.
        request.failed(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (this.inFlight.length === 0) this.progressAt = performance.now();
      this.inFlight.push(request);
      this.state = 'busy';
      payloads.push(payload);
    }
  }

  private readonly handler: MessageHandler = {
    row: (buffer, start, end) => {
      const request = this.inFlight[0];
      if (request === undefined) throw unexpected('data row');
      this.headRows++;
      request.row(buffer, start, end);
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
      case 'readyForQuery':
        return this.finish(message.status);
      default: {
        const request = this.inFlight[0];
        if (request === undefined) {
          // An error with no request is the server ending the session (e.g. terminated backend).
          if (message.name === 'error') return this.serverError(message.fields);
          throw unexpected(message.name);
        }
        const reply = request.message(message);
        if (reply !== undefined) this.session.stream.write(reply);
      }
    }
  }

  /** ReadyForQuery: the first request in flight is over. */
  private finish(status: TransactionStatus): void {
    const request = this.inFlight.shift();
    if (request === undefined) throw unexpected('ReadyForQuery');
    this.progressAt = performance.now();
    this.status = status;
    this.headRows = 0;
    clearTimeout(this.cancelLook);
    this.cancelLook = undefined;
    // A request pipelined behind the one just finished may have been abandoned meanwhile.
    if (this.inFlight[0] !== undefined && this.abandoned.has(this.inFlight[0])) this.cancelHead();
    if (this.abandonTimer !== undefined && !this.inFlight.some((r) => this.abandoned.has(r))) {
      clearTimeout(this.abandonTimer);
      this.abandonTimer = undefined;
    }
    if (this.inFlight.length === 0) this.state = 'ready';
    const again = request.done(status) === true && !this.abandoned.has(request);
    if (again) this.queue.unshift(request);
    // Written at the end of the job: the ReadyForQuery messages of one socket read free
    // several places in the pipeline, and their followers share one write.
    this.scheduleWrite();
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
    const unsupported = unsupportedSetting(name, value);
    if (unsupported !== undefined) this.session.stream.fail(unsupported);
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
    clearTimeout(this.abandonTimer);
    clearTimeout(this.cancelLook);
    this.cancelling?.unsubscribe();
    this.cancelling = undefined;
    const failure =
      error ?? new RxpgError(ErrorCode.ConnectionUnusable, 'the connection was closed');
    const pending = [...this.inFlight, ...this.queue.drain()];
    this.inFlight.length = 0;
    for (const request of pending) request.failed(failure);
    this.ended.next(error);
    this.ended.complete();
    this.notices.complete();
    this.notifications.complete();
    this.parameterChanges.complete();
  }
}

function closedError(): RxpgError {
  return new RxpgError(ErrorCode.ConnectionUnusable, 'the connection is closed', {
    hint: 'open a new connection, or use a Client, which replaces broken connections',
  });
}

function unexpected(what: string): RxpgError {
  return new RxpgError(
    ErrorCode.ProtocolViolation,
    `unexpected ${what} while no request was running`,
  );
}
