import { lastValueFrom, map, type Observable, type Subscription } from 'rxjs';
import { RxpgError, type Client } from '../../src';

/** The statement the sharing tests run: quick, and one value per call. */
export const QUICK = 'select $1::int as n';

/** Rows 1 to $1: quick for one row, a long stream for many (a head to abandon). */
export const SERIES = 'select g from generate_series(1, $1::int) g';

/**
 * Runs a statement (the quick one unless told) three times, so that the pool knows it is quick
 * even on a busy machine (one run within 10 ms of the last three is enough).
 */
export async function learn(
  client: Client,
  sql = QUICK,
  params: readonly unknown[] = [0],
): Promise<void> {
  for (let run = 0; run < 3; run++) {
    await lastValueFrom(client.executeResults(sql, params));
  }
}

/** The quick statement's value for `i`. */
export function quick(client: Client, i: number): Promise<number> {
  return lastValueFrom(client.executeStatement<{ n: number }>(QUICK, [i]).pipe(map((r) => r.n)));
}

/** Subscribes `count` quick statements at once; resolves with their values, in order. */
export function quickBurst(client: Client, count: number): Promise<number[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => quick(client, i)));
}

/** 'ok', or the code of the error the work failed with. */
export async function outcome(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'ok';
  } catch (error) {
    return error instanceof RxpgError ? error.code : ((error as { code?: string }).code ?? '?');
  }
}

/** Subscribes `work` and unsubscribes after `count` values: a head abandoned mid-stream. */
export function abandonAfter(work: Observable<unknown>, count: number): void {
  let seen = 0;
  let subscription: Subscription | undefined = undefined;
  subscription = work.subscribe(() => {
    seen += 1;
    if (seen === count) subscription?.unsubscribe();
  });
}
