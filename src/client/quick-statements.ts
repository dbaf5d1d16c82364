/** A statement that took longer than this (ms) from lease to release was not quick. */
const QUICK_MS = 10;
/** How many of a statement's last runs are remembered: one quick run among them is enough. */
const RUNS_REMEMBERED = 3;
const HISTORY_MASK = (1 << RUNS_REMEMBERED) - 1;
/** Statements remembered; the longest remembered are forgotten first. */
const REMEMBERED = 1_000;

/**
 * Whether each statement ran quickly lately, from its last few successful
 * runs on the pool. The pool pipelines statements only behind ones known to be
 * quick: a statement never seen, or slow every time lately, could keep the ones
 * behind it waiting. One quick run in the last three is enough, so that a busy
 * moment on the machine (a pause of the event loop) does not undo what was
 * learnt; a statement that turns slow for good stops taking company after
 * three runs, and meanwhile the pool puts nothing behind a connection the
 * server has not answered for a while.
 * @internal
 */
export class QuickStatements {
  /** Per statement, one bit per recent run, the latest lowest: 1 for quick. */
  private readonly history = new Map<string, number>();

  isQuick(sql: string): boolean {
    return (this.history.get(sql) ?? 0) !== 0;
  }

  timed(sql: string, ms: number): void {
    const before = this.history.get(sql);
    const after = (((before ?? 0) << 1) | (ms < QUICK_MS ? 1 : 0)) & HISTORY_MASK;
    if (after === before) return;
    this.history.set(sql, after);
    if (this.history.size <= REMEMBERED) return;
    for (const oldest of this.history.keys()) {
      this.history.delete(oldest);
      return;
    }
  }
}
