import { Observable } from 'rxjs';

/** Runs a batched read whose work, per batch, is the Observable it is given. */
export type BatchedRead<T> = (work: (rows: T[]) => Observable<never>) => Observable<unknown>;

/**
 * An AsyncIterable of rows over a batched read: the next batch is fetched only
 * when `for await` has taken every row of the current one, so memory holds one
 * batch. Reading starts at the first `next()`; leaving the loop early (break,
 * throw) closes the read on the server.
 */
export function asyncRows<T>(read: BatchedRead<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      let rows: T[] = [];
      let index = 0;
      /** Completes the current batch's work, which lets the read fetch the next one. */
      let release: (() => void) | undefined;
      let ended = false;
      let failure: { readonly error: unknown } | undefined;
      let wake: (() => void) | undefined;
      let started = false;
      const subscription = { unsubscribe: (): void => undefined };

      const start = (): void => {
        started = true;
        const running = read(
          (batch) =>
            new Observable<never>((subscriber) => {
              rows = batch;
              index = 0;
              release = () => subscriber.complete();
              wake?.();
            }),
        ).subscribe({
          error: (error: unknown) => {
            failure = { error };
            ended = true;
            wake?.();
          },
          complete: () => {
            ended = true;
            wake?.();
          },
        });
        subscription.unsubscribe = () => running.unsubscribe();
      };

      return {
        async next(): Promise<IteratorResult<T>> {
          if (!started) start();
          for (;;) {
            if (index < rows.length) return { value: rows[index++], done: false };
            if (release !== undefined) {
              const done = release;
              release = undefined;
              rows = [];
              done();
              continue;
            }
            if (failure !== undefined) throw failure.error;
            if (ended) return { value: undefined, done: true };
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
          }
        },
        async return(): Promise<IteratorResult<T>> {
          ended = true;
          subscription.unsubscribe();
          return { value: undefined, done: true };
        },
      };
    },
  };
}
