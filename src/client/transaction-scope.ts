import {
  defer,
  ignoreElements,
  map,
  type Observable,
  type ObservableInput,
  throwError,
} from 'rxjs';
import type { Connection } from '../connection/connection';
import { ErrorCode, RxpgError } from '../errors';
import type { Row } from '../query/columns';
import type { CopySource } from '../query/copy-source';
import type { Result } from '../query/result';
import type { QueryOptions } from '../query/simple-query';
import { command } from './command';
import { escapeIdentifier } from './escape';
import { runScoped } from './scoped-work';

/**
 * What the work of `client.transaction` runs its statements with: the
 * methods of a Client, bound to the transaction's connection. Usable while
 * the transaction runs; afterwards every method errors.
 *
 * @example
 * client.transaction((tx) =>
 *   concat(
 *     tx.executeStatement('update accounts set balance = balance - $1 where id = $2', [10, 1]),
 *     tx.executeStatement('update accounts set balance = balance + $1 where id = $2', [10, 2]),
 *   ),
 * );
 */
export interface Transaction {
  query<T = Row>(sql: string, options?: QueryOptions): Observable<T>;
  /** One {@link Result} per statement of `sql`: command tag, row count, columns and rows. */
  queryResults<T = Row>(sql: string, options?: QueryOptions): Observable<Result<T>>;
  executeStatement<T = Row>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Observable<T>;
  /** One {@link Result} for the statement: command tag, row count, columns and rows. */
  executeResults<T = Row>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Observable<Result<T>>;
  copyTo(sql: string): Observable<Buffer>;
  copyFrom(sql: string, source: CopySource): Observable<number>;
  /** NOTIFY, delivered when (and only if) the transaction commits. Emits once when queued. */
  notify(channel: string, payload?: string): Observable<void>;
  /**
   * A nested transaction: SAVEPOINT on subscribe, RELEASE when `work`
   * completes, ROLLBACK TO SAVEPOINT when it errors or is unsubscribed (the
   * outer transaction goes on).
   */
  transaction<T>(work: (tx: Transaction) => ObservableInput<T>): Observable<T>;
}

/** The {@link Transaction} of one attempt or savepoint. @internal */
export class TransactionScope implements Transaction {
  /** False once the transaction or savepoint ended: statements would land outside it. */
  private active = true;

  constructor(
    private readonly connection: Connection,
    private readonly savepointName: () => string,
  ) {}

  end(): void {
    this.active = false;
  }

  query<T = Row>(sql: string, options?: QueryOptions): Observable<T> {
    return this.run(() => this.connection.query<T>(sql, options));
  }

  queryResults<T = Row>(sql: string, options?: QueryOptions): Observable<Result<T>> {
    return this.run(() => this.connection.queryResults<T>(sql, options));
  }

  executeStatement<T = Row>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Observable<T> {
    return this.run(() => this.connection.executeStatement<T>(sql, params, options));
  }

  executeResults<T = Row>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Observable<Result<T>> {
    return this.run(() => this.connection.executeResults<T>(sql, params, options));
  }

  copyTo(sql: string): Observable<Buffer> {
    return this.run(() => this.connection.copyTo(sql));
  }

  copyFrom(sql: string, source: CopySource): Observable<number> {
    return this.run(() => this.connection.copyFrom(sql, source));
  }

  notify(channel: string, payload = ''): Observable<void> {
    return this.run(() =>
      this.connection
        .executeStatement('select pg_notify($1, $2)', [channel, payload])
        .pipe(map(() => undefined)),
    );
  }

  transaction<T>(work: (tx: Transaction) => ObservableInput<T>): Observable<T> {
    return this.run(() => {
      const name = escapeIdentifier(this.savepointName());
      const inner = new TransactionScope(this.connection, this.savepointName);
      return runScoped(
        this.connection,
        {
          begin: `SAVEPOINT ${name}`,
          commit: () => this.release(name),
          rollback: `ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`,
        },
        () => work(inner),
        () => inner.end(),
      );
    });
  }

  /** RELEASE, unless an error inside was swallowed: then the savepoint is rolled back instead. */
  private release(name: string): Observable<never> {
    if (this.connection.transactionStatus === 'E') {
      return throwError(
        () =>
          new RxpgError(
            ErrorCode.TransactionRolledBack,
            'the savepoint failed: an error inside it was caught and not rethrown',
            { hint: 'its statements were rolled back; the outer transaction goes on' },
          ),
      );
    }
    return command(this.connection, `RELEASE SAVEPOINT ${name}`).pipe(ignoreElements());
  }

  private run<T>(start: () => Observable<T>): Observable<T> {
    return defer(() => {
      if (this.active) return start();
      return throwError(
        () =>
          new RxpgError(ErrorCode.ConnectionUnusable, 'the transaction is over', {
            hint: 'subscribe to statements of a transaction inside its work, before it completes',
          }),
      );
    });
  }
}
