import { map, type Observable, type ObservableInput } from 'rxjs';
import { parseConfig } from '../config';
import { withoutPasswordSource, type ConnectParameters } from '../connection/password-source';
import type { Notification } from '../connection/connection';
import type { Row } from '../query/columns';
import { asyncRows } from '../query/async-rows';
import type { CopySource } from '../query/copy-source';
import type { Result } from '../query/result';
import { resultsOutput, rowsOutput } from '../query/query-output';
import type { CursorOptions } from '../query/cursor-query';
import type { QueryOptions } from '../query/simple-query';
import { listenCheckOptions, poolOptions, type ClientOptions } from './client-options';
import { withConnection, withRequest } from './lease';
import type { ListenEvent } from './listen-event';
import { Listener } from './listener';
import { openConnection } from './open-connection';
import { Pool } from './pool';
import type { PoolStats } from './pool-stats';
import { sharing } from './shareable';
import { runTransaction } from './transaction';
import type { TransactionOptions } from './transaction-options';
import type { Transaction } from './transaction-scope';

/**
 * The object an application keeps: a pool of connections to one database,
 * opened when first needed, and cold observables for everything run on them.
 * Each query takes a connection when subscribed and gives it back when it
 * completes, errors or is unsubscribed (once every connection is taken,
 * quick single statements may share one, pipelined: see `pipelineDepth`); a
 * connection left inside a transaction is rolled back, a broken one replaced.
 *
 * @example
 * const client = new Client('postgresql://app@localhost/app', { maxConnections: 5 });
 * client
 *   .executeStatement<{ id: number; name: string }>('select id, name from users where id = $1', [
 *     42,
 *   ])
 *   .subscribe((user) => show(user.name));
 * // when the application stops:
 * await client.close();
 */
export class Client {
  private readonly pool: Pool;
  private readonly listener: Listener;

  /** The pool's figures, now and whenever they change; completes once the client is closed. */
  readonly stats$: Observable<PoolStats>;
  /** Losses and recoveries of the LISTEN connection: see {@link ListenEvent}. */
  readonly listenEvents$: Observable<ListenEvent>;

  /**
   * @param config libpq's parameters: a `postgresql://` URI, a `key=value`
   *   string or an object; PG* variables, the service file and `~/.pgpass`
   *   fill the rest. Checked now: a misspelt parameter throws here.
   */
  constructor(config?: string | ConnectParameters, options: ClientOptions = {}) {
    // The pool's own options ride along unread: connect() takes what it knows.
    parseConfig(withoutPasswordSource(config), options.env);
    const open$ = openConnection(config, options, options.onConnect);
    this.pool = new Pool(open$, poolOptions(options));
    this.listener = new Listener(open$, listenCheckOptions(options));
    this.stats$ = this.pool.stats$;
    this.listenEvents$ = this.listener.events$;
  }

  /** The pool's figures at this moment. */
  get stats(): PoolStats {
    return this.pool.stats;
  }

  /**
   * Runs `sql` with the simple query protocol (it may hold several
   * statements) on a pooled connection and emits every row.
   *
   * @example
   * client.query<{ now: Date }>('select now()').subscribe((row) => show(row.now));
   */
  query<T = Row>(sql: string, options?: QueryOptions): Observable<T> {
    // SQL text may hold several statements: it gets a connection of its own.
    return withRequest<T>(this.pool, undefined, (connection, beforeEnd, subscriber) =>
      connection.simpleQuery(sql, rowsOutput(subscriber, beforeEnd), options),
    );
  }

  /**
   * Runs `sql` like {@link query} on a pooled connection, but emits one
   * {@link Result} per statement: command tag, row count, columns and rows.
   *
   * @example
   * client.queryResults('update jobs set done = true where done = false')
   *   .subscribe((r) => show(`${r.rowCount} jobs closed`));
   */
  queryResults<T = Row>(sql: string, options?: QueryOptions): Observable<Result<T>> {
    return withRequest<Result<T>>(this.pool, undefined, (connection, beforeEnd, subscriber) =>
      connection.simpleQuery(sql, resultsOutput(subscriber, beforeEnd), options),
    );
  }

  /**
   * Reads a result in batches on a pooled connection, with bounded memory
   * however slow `work` is: the next batch is fetched only once the
   * Observable (or Promise) `work` returned for the previous one completed.
   * See `Connection.cursor`.
   *
   * @example
   * client
   *   .cursor('select * from events', [], (rows) => saveAll(rows), { batchSize: 500 })
   *   .subscribe();
   */
  cursor<T = Row, R = unknown>(
    sql: string,
    params: readonly unknown[],
    work: (rows: T[]) => ObservableInput<R>,
    options?: CursorOptions,
  ): Observable<R> {
    return withConnection(this.pool, (connection) =>
      connection.cursor<T, R>(sql, params, work, options),
    );
  }

  /**
   * The rows of a query as an AsyncIterable, read in batches on a pooled
   * connection like {@link cursor}; leaving the loop early closes the read.
   *
   * @example
   * for await (const row of client.iterate('select * from events')) await handle(row);
   */
  iterate<T = Row>(
    sql: string,
    params: readonly unknown[] = [],
    options?: CursorOptions,
  ): AsyncIterable<T> {
    return asyncRows<T>((work) => this.cursor<T, never>(sql, params, work, options));
  }

  /**
   * Runs one statement with bound parameters (extended protocol) on a pooled
   * connection and emits every row.
   *
   * @example
   * client.executeStatement('insert into logs (line) values ($1)', [line]).subscribe();
   */
  executeStatement<T = Row>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Observable<T> {
    return withRequest<T>(this.pool, sharing(sql), (connection, beforeEnd, subscriber) =>
      connection.extendedQuery(sql, params ?? [], rowsOutput(subscriber, beforeEnd), options),
    );
  }

  /**
   * Runs one statement like {@link executeStatement} on a pooled connection,
   * but emits a single {@link Result}: command tag, row count, columns and rows.
   *
   * @example
   * client.executeResults('delete from carts where owner = $1', [userId])
   *   .subscribe((r) => show(`${r.rowCount} carts removed`));
   */
  executeResults<T = Row>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Observable<Result<T>> {
    return withRequest<Result<T>>(this.pool, sharing(sql), (connection, beforeEnd, subscriber) =>
      connection.extendedQuery(sql, params ?? [], resultsOutput(subscriber, beforeEnd), options),
    );
  }

  /**
   * Runs `work` in a transaction on one connection: BEGIN on subscribe,
   * COMMIT when the observable it returns completes, ROLLBACK when it errors
   * or is unsubscribed. Emits the work's values as they come (with `retry`,
   * once COMMIT succeeded). Errors with the work's own error after a
   * rollback, and with `RXPG_TRANSACTION_ROLLED_BACK` when COMMIT is answered
   * with ROLLBACK. `tx.transaction` nests with savepoints.
   *
   * @example
   * client
   *   .transaction(
   *     (tx) =>
   *       tx
   *         .executeStatement<{ id: number }>(
   *           'insert into orders (item) values ($1) returning id',
   *           ['book'],
   *         )
   *         .pipe(
   *           concatMap((order) =>
   *             tx.executeStatement('insert into audit (order_id) values ($1)', [order.id]),
   *           ),
   *         ),
   *     { isolationLevel: 'serializable', retry: 3 },
   *   )
   *   .subscribe();
   */
  transaction<T>(
    work: (tx: Transaction) => ObservableInput<T>,
    options: TransactionOptions = {},
  ): Observable<T> {
    return withConnection(this.pool, (connection) => runTransaction(connection, work, options));
  }

  /**
   * Emits the notifications of `channel` (its name taken as it is, in any case,
   * any character). All listeners share one dedicated connection; LISTEN is
   * sent for a channel's first subscriber and UNLISTEN after its last. When
   * the connection is lost, rxpg reconnects and listens again; watch
   * {@link listenEvents$} to learn that notifications may have been missed.
   *
   * @example
   * client.listen('Order Events').subscribe((n) => show(n.payload));
   */
  listen(channel: string): Observable<Notification> {
    return this.listener.listen(channel);
  }

  /**
   * Sends a notification with `pg_notify`, channel and payload bound as
   * parameters. Emits once (undefined) when the server has taken it.
   *
   * @example
   * await firstValueFrom(client.notify('Order Events', JSON.stringify({ id: 7 })));
   */
  notify(channel: string, payload = ''): Observable<void> {
    return this.executeStatement('select pg_notify($1, $2)', [channel, payload]).pipe(
      map(() => undefined),
    );
  }

  /**
   * Runs `COPY ... TO STDOUT` on a pooled connection and emits its data, one
   * Buffer per row (text and CSV formats), as it arrives.
   *
   * @example
   * client.copyTo('copy users to stdout (format csv)').subscribe((chunk) => file.write(chunk));
   */
  copyTo(sql: string): Observable<Buffer> {
    return withConnection(this.pool, (connection) => connection.copyTo(sql));
  }

  /**
   * Runs `COPY ... FROM STDIN` with the chunks of `source` (Buffers or
   * strings: an Observable, an Iterable, or an AsyncIterable such as a Node
   * Readable stream, which is read only as fast as the socket takes it).
   * Emits the number of rows copied. When the source errors or the
   * subscriber unsubscribes, CopyFail leaves the table unchanged.
   *
   * @example
   * client.copyFrom('copy users (id, name) from stdin (format csv)', createReadStream('users.csv'))
   *   .subscribe((rows) => show(`${rows} rows`));
   */
  copyFrom(sql: string, source: CopySource): Observable<number> {
    return withConnection(this.pool, (connection) => connection.copyFrom(sql, source));
  }

  /**
   * Stops taking new work (it fails with `RXPG_CLIENT_CLOSED`), lets running
   * and waiting queries and transactions finish, then closes every
   * connection. Listeners complete at once. Acts when called; the promise
   * resolves once the last connection is closed.
   *
   * @example
   * process.on('SIGTERM', () => void client.close());
   */
  close(): Promise<void> {
    this.listener.close();
    return this.pool.close();
  }

  /**
   * Closes every connection at once: running queries fail with a closed
   * connection error, waiting ones with `RXPG_CLIENT_CLOSED`; listeners complete.
   */
  closeNow(): void {
    this.listener.close();
    this.pool.closeNow();
  }
}
