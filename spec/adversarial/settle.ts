import type { Observable } from 'rxjs';
import { DatabaseError, RxpgError } from '../../src/errors';

/** How an observable ended, or that it did not within the time given. */
export interface Settled<T> {
  rows: T[];
  error?: unknown;
  completed: boolean;
  hung: boolean;
  ms: number;
}

/** Subscribes and waits for the end, up to `ms`; a source still running then is `hung`. */
export function settle<T>(source: Observable<T>, ms = 5000): Promise<Settled<T>> {
  const started = Date.now();
  return new Promise((resolve) => {
    const result: Settled<T> = { rows: [], completed: false, hung: false, ms: 0 };
    const done = (): void => {
      result.ms = Date.now() - started;
      resolve(result);
    };
    const timer = setTimeout(() => {
      result.hung = true;
      subscription.unsubscribe();
      done();
    }, ms);
    const subscription = source.subscribe({
      next: (row) => result.rows.push(row),
      error: (error: unknown) => {
        clearTimeout(timer);
        result.error = error;
        done();
      },
      complete: () => {
        clearTimeout(timer);
        result.completed = true;
        done();
      },
    });
  });
}

/** The stable code of an rxpg or server error. */
export function codeOf(error: unknown): string | undefined {
  if (error instanceof RxpgError || error instanceof DatabaseError) return error.code;
  return undefined;
}
