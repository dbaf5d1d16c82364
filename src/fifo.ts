/**
 * A first-in, first-out queue whose every operation is cheap however long
 * it grows: taking the first item does not move the others, and any item can
 * be removed, found by identity. Thousands of requests may wait at once,
 * and any of them may leave the queue when its subscriber unsubscribes;
 * an Array's shift and indexOf would each cost a pass over all of them.
 * @internal
 */
export class Fifo<T> {
  /** Items in order from `head`; removed ones leave a hole (undefined). */
  private items: (T | undefined)[] = [];
  private head = 0;
  /** Where each item is, counted from the first item ever queued. */
  private readonly positions = new Map<T, number>();
  /** The count of items dropped from the front of `items` so far. */
  private dropped = 0;

  get size(): number {
    return this.positions.size;
  }

  has(item: T): boolean {
    return this.positions.has(item);
  }

  push(item: T): void {
    if (this.positions.has(item)) return;
    this.positions.set(item, this.dropped + this.items.length);
    this.items.push(item);
  }

  /** Puts `item` in front of the others (rare: a request run again). */
  unshift(item: T): void {
    const rest = this.drain();
    this.push(item);
    for (const other of rest) this.push(other);
  }

  first(): T | undefined {
    while (this.head < this.items.length && this.items[this.head] === undefined) this.head++;
    return this.items[this.head];
  }

  shift(): T | undefined {
    const item = this.first();
    if (item !== undefined) this.delete(item);
    return item;
  }

  /** Removes `item`; true when it was queued. */
  delete(item: T): boolean {
    const position = this.positions.get(item);
    if (position === undefined) return false;
    this.positions.delete(item);
    this.items[position - this.dropped] = undefined;
    this.compact();
    return true;
  }

  /** Empties the queue, returning its items in order. */
  drain(): T[] {
    const all = this.items.slice(this.head).filter((item): item is T => item !== undefined);
    this.dropped += this.items.length;
    this.items = [];
    this.head = 0;
    this.positions.clear();
    return all;
  }

  /** Drops the front holes once they are most of the array. */
  private compact(): void {
    if (this.positions.size === 0) {
      this.dropped += this.items.length;
      this.items = [];
      this.head = 0;
      return;
    }
    this.first();
    if (this.head < 1024 || this.head * 2 < this.items.length) return;
    this.items = this.items.slice(this.head);
    this.dropped += this.head;
    this.head = 0;
  }
}
