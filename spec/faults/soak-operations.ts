import {
  concat,
  defer,
  filter,
  ignoreElements,
  map,
  merge,
  mergeMap,
  type Observable,
  of,
  take,
  takeUntil,
  timer,
  toArray,
} from 'rxjs';
import type { Client } from '../../src';

/** One kind of operation the soak mixes. */
export type OperationKind =
  'query' | 'statement' | 'rows' | 'cancel' | 'transaction' | 'failing-transaction' | 'listen';

/** What one operation did to the table of writes, when it did or may have. */
export interface WriteIntent {
  readonly ids: readonly number[];
  /** True when the operation is meant to fail, and so must leave no row. */
  readonly doomed: boolean;
}

/** An operation ready to subscribe, with the writes it attempts. */
export interface Operation {
  readonly kind: OperationKind;
  readonly work: Observable<unknown>;
  readonly writes?: WriteIntent;
}

/** The table the soak writes to; one row per id, made only by committed transactions. */
export const WRITES_TABLE = 'soak_writes';
/** The channel of the listen operations. */
export const CHANNEL = 'soak events';

/** Builds operations of each kind; `nextId` hands out ids for writes, never twice. */
export function operation(
  client: Client,
  kind: OperationKind,
  random: () => number,
  nextId: () => number,
): Operation {
  switch (kind) {
    case 'query':
      return { kind, work: client.query('select 1 as one, now() as at') };
    case 'statement':
      return {
        kind,
        work: client.executeStatement('select $1::int * 2 as twice, $2::text as label', [
          Math.floor(random() * 1000),
          'soak',
        ]),
      };
    case 'rows':
      return {
        kind,
        work: client
          .query("select i, repeat('r', 50) as filler from generate_series(1, 2000) i")
          .pipe(toArray()),
      };
    case 'cancel':
      return { kind, work: cancelled(client, random) };
    case 'transaction':
    case 'failing-transaction':
      return transaction(client, kind, random, nextId);
    case 'listen':
      return { kind, work: listenOnce(client) };
    default: {
      const unknown: never = kind;
      throw new Error(`unknown operation ${String(unknown)}`);
    }
  }
}

/** A long query left early: by unsubscribing after a moment, or after a few rows. */
function cancelled(client: Client, random: () => number): Observable<unknown> {
  if (random() < 0.5) {
    return client.query('select pg_sleep(5)').pipe(takeUntil(timer(5 + random() * 100)));
  }
  return client.query('select generate_series(1, 100000000) as i').pipe(take(10), toArray());
}

/** One to three inserts in a transaction; a doomed one then divides by zero. */
function transaction(
  client: Client,
  kind: 'transaction' | 'failing-transaction',
  random: () => number,
  nextId: () => number,
): Operation {
  const ids = Array.from({ length: 1 + Math.floor(random() * 3) }, nextId);
  const doomed = kind === 'failing-transaction';
  const work = client.transaction((tx) =>
    concat(
      ...ids.map((id) =>
        tx
          .executeStatement(`insert into ${WRITES_TABLE} (id) values ($1)`, [id])
          .pipe(ignoreElements()),
      ),
      doomed ? tx.query('select 1/0 as never').pipe(ignoreElements()) : of(ids.length),
    ),
  );
  return { kind, work, writes: { ids, doomed } };
}

/** Listens, notifies, and waits for its own notification. */
function listenOnce(client: Client): Observable<unknown> {
  const payload = `p${Math.random().toString(36).slice(2)}`;
  const heard = client.listen(CHANNEL).pipe(
    filter((n) => n.payload === payload),
    take(1),
  );
  // Notify only once LISTEN is in place; until then, notifying again now and then.
  const notify = defer(() =>
    timer(0, 200).pipe(mergeMap(() => client.notify(CHANNEL, payload).pipe(ignoreElements()))),
  );
  return merge(heard, notify.pipe(takeUntil(heard))).pipe(
    take(1),
    map(() => payload),
  );
}
