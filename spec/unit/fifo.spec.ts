import { Fifo } from '../../src/fifo';

interface Item {
  readonly id: number;
}

const items = (count: number): Item[] => Array.from({ length: count }, (_, id) => ({ id }));
const ids = (list: readonly (Item | undefined)[]) => list.map((item) => item?.id);

describe('Fifo', () => {
  it('gives items back first in, first out', () => {
    const queue = new Fifo<Item>();
    for (const item of items(3)) queue.push(item);
    expect(queue.size).toBe(3);
    expect(queue.first()?.id).toBe(0);
    expect(ids([queue.shift(), queue.shift(), queue.shift(), queue.shift()])).toEqual([
      0,
      1,
      2,
      undefined,
    ]);
    expect(queue.size).toBe(0);
  });

  it('removes any item by identity, keeping the order of the others', () => {
    const queue = new Fifo<Item>();
    const [a, b, c, d, e] = items(5);
    for (const item of [a, b, c, d, e]) queue.push(item);
    expect(queue.delete(a)).toBe(true);
    expect(queue.delete(c)).toBe(true);
    expect(queue.delete(c)).toBe(false);
    expect(queue.delete({ id: 1 })).toBe(false);
    expect(queue.has(b)).toBe(true);
    expect(queue.has(c)).toBe(false);
    expect(ids(queue.drain())).toEqual([1, 3, 4]);
    expect(queue.size).toBe(0);
    expect(queue.has(b)).toBe(false);
  });

  it('puts an item back in front', () => {
    const queue = new Fifo<Item>();
    const [a, b, c, z] = items(4);
    [a, b, c].forEach((item) => queue.push(item));
    queue.shift();
    queue.unshift(z);
    expect(ids(queue.drain())).toEqual([3, 1, 2]);
  });

  it('stays in order through 100,000 pushes, removals and shifts', () => {
    const queue = new Fifo<Item>();
    const expected: Item[] = [];
    for (const item of items(100_000)) {
      queue.push(item);
      if (item.id % 3 === 0) queue.delete(item);
      else expected.push(item);
      if (item.id % 7 === 6) expect(queue.shift()).toBe(expected.shift());
    }
    expect(queue.size).toBe(expected.length);
    const rest: Item[] = [];
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) rest.push(item);
    expect(rest).toEqual(expected);
  });

  it('ignores an item pushed twice, and takes it again once it has left', () => {
    const queue = new Fifo<Item>();
    const [a, b] = items(2);
    queue.push(a);
    queue.push(a);
    queue.push(b);
    expect(queue.size).toBe(2);
    queue.shift();
    queue.push(a);
    expect(ids(queue.drain())).toEqual([1, 0]);
  });
});
