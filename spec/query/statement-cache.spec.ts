import { StatementCache, type PreparedStatement } from '../../src/query/statement-cache';

/** Adds `sql` as the server would see it prepared: parsed, with a description. */
function prepare(cache: StatementCache, sql: string): PreparedStatement {
  const statement = cache.add(sql);
  cache.parsed(statement);
  statement.parameterCount = 0;
  statement.fields = [];
  return statement;
}

describe('the statement cache', () => {
  it('names statements uniquely and finds them by SQL text', () => {
    const cache = new StatementCache(10);
    const a = prepare(cache, 'select 1');
    const b = prepare(cache, 'select 2');
    expect(a.name).not.toBe(b.name);
    expect(cache.get('select 1')).toBe(a);
    expect(cache.get('select 3')).toBeUndefined();
    expect(cache.takeClosing()).toEqual([]);
  });

  it('evicts the least recently used statement and closes it on the server', () => {
    const cache = new StatementCache(2);
    const a = prepare(cache, 'a');
    const b = prepare(cache, 'b');
    cache.get('a');
    prepare(cache, 'c');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(a);
    expect(cache.takeClosing()).toEqual([b.name]);
    expect(cache.takeClosing()).toEqual([]);
  });

  it('closes a statement evicted before its ParseComplete once it arrives', () => {
    const cache = new StatementCache(1);
    const a = cache.add('a');
    prepare(cache, 'b');
    expect(cache.takeClosing()).toEqual([]);
    cache.parsed(a);
    expect(cache.takeClosing()).toEqual([a.name]);
  });

  it('removes a statement only if it is the one named', () => {
    const cache = new StatementCache(5);
    const old = prepare(cache, 'a');
    cache.remove('a');
    const fresh = prepare(cache, 'a');
    cache.remove('a', old);
    expect(cache.get('a')).toBe(fresh);
    expect(cache.takeClosing()).toEqual([old.name]);
  });

  it('forgets everything without closing after the server dropped its statements', () => {
    const cache = new StatementCache(5);
    prepare(cache, 'a');
    cache.remove('a');
    prepare(cache, 'b');
    cache.forgetAll();
    expect(cache.size).toBe(0);
    expect(cache.takeClosing()).toEqual([]);
  });
});
