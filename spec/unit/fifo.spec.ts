import { Fifo } from '../../src/fifo';

describe('Fifo', () => {
  it('gives items back first in, first out', () => {
    const queue = new Fifo<string>();
    for (const item of ['a', 'b', 'c']) queue.push(item);
    expect(queue.size).toBe(3);
    expect(queue.first()).toBe('a');
    expect([queue.shift(), queue.shift(), queue.shift(), queue.shift()]).toEqual([
      'a',
      'b',
      'c',
      undefined,
    ]);
    expect(queue.size).toBe(0);
  });

  it('removes any item by identity, keeping the order of the others', () => {
    const queue = new Fifo<{ id: number }>();
    const [a, b, c, d, e] = Array.from({ length: 5 }, (_, id) => ({ id }));
    for (const item of [a, b, c, d, e]) queue.push(item);
    expect(queue.delete(a)).toBe(true);
    expect(queue.delete(c)).toBe(true);
    expect(queue.delete(c)).toBe(false);
    expect(queue.delete({ id: 1 })).toBe(false);
    expect(queue.has(b)).toBe(true);
    expect(queue.has(c)).toBe(false);
    expect(queue.drain().map((item) => item.id)).toEqual([1, 3, 4]);
    expect(queue.size).toBe(0);
  });

  it('puts an item back in front', () => {
    const queue = new Fifo<number>();
    [1, 2, 3].forEach((n) => queue.push(n));
    queue.shift();
    queue.unshift(9);
    expect(queue.drain()).toEqual([9, 2, 3]);
  });

  it('stays in order through 100,000 pushes, removals and shifts', () => {
    const queue = new Fifo<number>();
    const expected: number[] = [];
    for (let n = 0; n < 100_000; n++) {
      queue.push(n);
      if (n % 3 === 0) queue.delete(n);
      else expected.push(n);
      if (n % 7 === 6) expect(queue.shift()).toBe(expected.shift());
    }
    expect(queue.size).toBe(expected.length);
    const rest: number[] = [];
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) rest.push(item);
    expect(rest).toEqual(expected);
  });

  it('ignores an item pushed twice', () => {
    const queue = new Fifo<string>();
    queue.push('a');
    queue.push('a');
    expect(queue.drain()).toEqual(['a']);
  });
});
