import { catchError, filter, firstValueFrom, lastValueFrom, of } from 'rxjs';
import type { Client } from '../../src';
import { eventually } from './helpers';
import { CHANNEL } from './soak-operations';
import { codeOf } from './watch';

/** How long the listener may take to hear again once the faults stop. */
const HEARS_AGAIN_MS = 10_000;

/** A listener kept for a whole soak run, and what became of it. */
export interface SoakListener {
  /** Resolves once LISTEN first took effect. */
  readonly ready: Promise<unknown>;
  /** Losses of the LISTEN connection (`disconnected` events), by code. */
  readonly gaps: Readonly<Record<string, number>>;
  /** True when the listener errored or completed while it was kept. */
  ended(): boolean;
  /** Notifies until the listener hears it; false when it did not within the bound. */
  hearsAgain(): Promise<boolean>;
  stop(): void;
}

/**
 * Listens to the soak's channel for the whole run, so that the LISTEN connection lives long
 * enough to meet faults of its own: the connection's end or its check must find each one,
 * and rxpg must listen again by itself, the listener never noticing but through listenEvents$.
 */
export function keepListening(client: Client): SoakListener {
  const gaps: Record<string, number> = {};
  let ended = false;
  let last = '';
  const events = client.listenEvents$.subscribe((event) => {
    if (event.kind !== 'disconnected') return;
    const code = codeOf(event.error) ?? 'uncoded';
    gaps[code] = (gaps[code] ?? 0) + 1;
  });
  const ready = firstValueFrom(
    client.listenEvents$.pipe(filter((event) => event.kind === 'listening')),
  );
  const listener = client.listen(CHANNEL).subscribe({
    next: (notification) => (last = notification.payload),
    error: () => (ended = true),
    complete: () => (ended = true),
  });
  return {
    ready,
    gaps,
    ended: () => ended,
    async hearsAgain() {
      const payload = 'the last one';
      const notify = client.notify(CHANNEL, payload).pipe(catchError(() => of(undefined)));
      return eventually(async () => {
        await lastValueFrom(notify, { defaultValue: undefined });
        return last === payload;
      }, HEARS_AGAIN_MS).then(
        () => true,
        () => false,
      );
    },
    stop() {
      listener.unsubscribe();
      events.unsubscribe();
    },
  };
}
