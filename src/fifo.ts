/** Where an item sits in the queue that holds it, kept on the item itself. */
const POSITION = Symbol('rxpg.fifo.position');

/** An object that can wait in a {@link Fifo}: the queue marks it with its position. */
type Queued = { [POSITION]?: number };

/**
 * A first-in, first-out queue whose every operation is cheap however long
 * it grows: taking the first item does not move the others, and any item can
 * be removed, found by identity. Thousands of requests may wait at once,
 * and any of them may leave the queue when its subscriber unsubscribes;
 * an Array's shift and indexOf would each cost a pass over all of them.
 *
 * An item is in one Fifo at a time: its position is written on it.
 * @internal
 */
export class Fifo<T extends object> {
  /** Items in order from `head`; removed ones leave a hole (undefined). */
  private items: (T | undefined)[] = [];
  private head = 0;
  private count = 0;
  /** The count of items dropped from the front of `items` so far. */
  private dropped = 0;

  get size(): number {
    return this.count;
  }

  has(item: T): boolean {
    const position = (item as Queued)[POSITION];
    return position !== undefined && this.items[position - this.dropped] === item;
  }

  push(item: T): void {
    if (this.has(item)) return;
    (item as Queued)[POSITION] = this.dropped + this.items.length;
    this.items.push(item);
    this.count++;
  }

  /** Puts `item` in front of the others (rare: a statement sent again, its cached plan stale). */
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
    if (!this.has(item)) return false;
    this.items[((item as Queued)[POSITION] ?? 0) - this.dropped] = undefined;
    (item as Queued)[POSITION] = undefined;
    this.count--;
    this.compact();
    return true;
  }

  /** Empties the queue, returning its items in order. */
  drain(): T[] {
    const all = this.items.slice(this.head).filter((item): item is T => item !== undefined);
    for (const item of all) (item as Queued)[POSITION] = undefined;
    this.reset();
    return all;
  }

  private reset(): void {
    this.dropped += this.items.length;
    this.items = [];
    this.head = 0;
    this.count = 0;
  }

  /** Drops the front holes once they are most of the array. */
  private compact(): void {
    if (this.count === 0) return this.reset();
    if (this.head < 1024 || this.head * 2 < this.items.length) return;
    this.first();
    this.items = this.items.slice(this.head);
    this.dropped += this.head;
    this.head = 0;
  }
}
