import type { Subscriber } from 'rxjs';
import type { Column } from './columns';
import { parseCommandTag, type Result } from './result';

/**
 * Where a query delivers what it decodes: each row as it comes (`query`,
 * `executeStatement`), or one {@link Result} per statement (`queryResults`,
 * `executeResults`). The query drives it; the output shapes what subscribers see.
 * @internal
 */
export interface QueryOutput {
  /** True once the subscriber left or the output ended: nothing more is wanted. */
  readonly closed: boolean;
  /** A result with rows begins; its rows follow. */
  columns(columns: readonly Column[]): void;
  row(row: unknown): void;
  /** A statement completed with this command tag. */
  complete(tag: string): void;
  /** The query is over: with its error, or complete when there is none. */
  end(error: Error | undefined): void;
}

/**
 * Each row goes to the subscriber as it is decoded. `beforeEnd` runs just
 * before the subscriber learns the query is over (a pool takes back the
 * connection there, so that work chained after this one can have it).
 * @internal
 */
export function rowsOutput<T>(
  subscriber: Subscriber<T>,
  beforeEnd?: (error: Error | undefined) => void,
): QueryOutput {
  return new RowsOutput(subscriber, beforeEnd);
}

/** One object per query, rather than a closure per method: small queries make many. */
class RowsOutput<T> implements QueryOutput {
  constructor(
    private readonly subscriber: Subscriber<T>,
    private readonly beforeEnd: ((error: Error | undefined) => void) | undefined,
  ) {}

  get closed(): boolean {
    return this.subscriber.closed;
  }

  columns(): void {}

  row(row: unknown): void {
    this.subscriber.next(row as T);
  }

  complete(): void {}

  end(error: Error | undefined): void {
    endWith(this.subscriber, error, this.beforeEnd);
  }
}

/**
 * Rows are gathered per statement and emitted in a {@link Result} at its
 * CommandComplete; a statement that fails emits none. `beforeEnd` as for
 * {@link rowsOutput}. @internal
 */
export function resultsOutput<T>(
  subscriber: Subscriber<Result<T>>,
  beforeEnd?: (error: Error | undefined) => void,
): QueryOutput {
  /** The statement being received: its columns and rows so far. */
  let columns: readonly Column[] = [];
  let rows: T[] = [];
  return {
    get closed() {
      return subscriber.closed;
    },
    columns: (described) => {
      columns = described;
      rows = [];
    },
    row: (row) => {
      rows.push(row as T);
    },
    complete: (tag) => {
      const result: Result<T> = { ...parseCommandTag(tag), tag, columns, rows };
      columns = [];
      rows = [];
      subscriber.next(result);
    },
    end: (error) => endWith(subscriber, error, beforeEnd),
  };
}

function endWith(
  subscriber: Subscriber<unknown>,
  error: Error | undefined,
  beforeEnd: ((error: Error | undefined) => void) | undefined,
): void {
  beforeEnd?.(error);
  if (error === undefined) subscriber.complete();
  else subscriber.error(error);
}
