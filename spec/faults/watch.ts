import { createHook } from 'node:async_hooks';

/** Resource kinds that a connection, or one of its timers, holds while it lives. */
const WATCHED = new Set(['TCPSocketWrap', 'TCPWrap', 'PipeWrap', 'TLSWrap', 'Timeout']);

/** How many resources of each watched kind the process holds now. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (WATCHED.has(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/**
 * Waits until the process holds no more sockets and timers than `before` (a closed socket
 * goes on the next turns of the event loop), and fails naming what is still there.
 */
export async function expectNothingLeftOpen(
  before: Record<string, number>,
  ms = 3_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const now = activeResources();
    const extra = Object.entries(now).filter(([kind, n]) => n > (before[kind] ?? 0));
    if (extra.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`still open: ${extra.map(([kind, n]) => `${kind} x${n}`).join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Timers made while it runs, counted until they fire or are cleared. */
export interface TimerWatch {
  /** Timers made since the watch began that have neither fired nor been cleared. */
  pending(): number;
  stop(): void;
}

/** Frames kept in the stack of a new timer: enough to reach rxpg's code under RxJS's own. */
const TIMER_STACK_FRAMES = 60;

/**
 * Watches the timers that code under the folder `dir` makes from now on, unref'd ones
 * included, which `process.getActiveResourcesInfo()` leaves out: a timer that does not keep
 * the process alive can still run for ever.
 */
export function watchTimers(dir: string): TimerWatch {
  const live = new Set<number>();
  const hook = createHook({
    init: (id, type) => {
      if (type !== 'Timeout') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = TIMER_STACK_FRAMES;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      if (stack.includes(dir)) live.add(id);
    },
    destroy: (id) => {
      live.delete(id);
    },
  });
  hook.enable();
  return { pending: () => live.size, stop: () => hook.disable() };
}

/** The stable code of an error: RxpgError.code or DatabaseError.code (SQLSTATE). */
export function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
