/** A statement that took longer than this (ms) from lease to release is not quick. */
const QUICK_MS = 10;
/** Statements remembered; the longest remembered are forgotten first. */
const REMEMBERED = 1_000;

/**
 * How long each statement took the last time it ran on a shared connection.
 * The pool pipelines statements only behind ones known to be quick: a
 * statement never seen, or seen slow, could keep the ones behind it waiting.
 * @internal
 */
export class QuickStatements {
  private readonly lastMs = new Map<string, number>();

  isQuick(sql: string): boolean {
    const ms = this.lastMs.get(sql);
    return ms !== undefined && ms < QUICK_MS;
  }

  timed(sql: string, ms: number): void {
    // Quick again, the common case: nothing to learn, and no Map entry to move.
    if (ms < QUICK_MS && this.isQuick(sql)) return;
    this.lastMs.delete(sql);
    this.lastMs.set(sql, ms);
    if (this.lastMs.size <= REMEMBERED) return;
    for (const oldest of this.lastMs.keys()) {
      this.lastMs.delete(oldest);
      return;
    }
  }
}
