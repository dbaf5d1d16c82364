import { tap } from 'rxjs';
import { DatabaseError } from '../../src/errors';
import { SqlState } from '../../src/errors-sqlstate';
import type { Result } from '../../src/query/result';
import { all, failure, useConnection } from '../query/live';
import { useCluster } from '../support/cluster';

/** The parts of a Result that tests compare, without its column metadata. */
function summary(result: Result): [string, number | null, unknown[]] {
  return [result.command, result.rowCount, result.rows];
}

describe('query results', () => {
  const cluster = useCluster();
  const conn = useConnection(cluster);

  beforeEach(async () => {
    await all(
      conn().query(
        'drop table if exists items; create table items (id int primary key, name text)',
      ),
    );
  });

  it('a multi-statement query emits the rows of every statement, in order', async () => {
    const rows = await all(
      conn().query("select 1 as n; insert into items values (1, 'a'); select 'x' as s, 2 as n"),
    );
    expect(rows).toEqual([{ n: 1 }, { s: 'x', n: 2 }]);
  });

  it('queryResults tells each statement’s command and row count', async () => {
    const results = await all(
      conn().queryResults(`
        create temporary table scratch (id int);
        insert into items values (1, 'a'), (2, 'b'), (3, 'c');
        update items set name = upper(name) where id < 3;
        delete from items where id = 3;
        select * from items order by id;
        set search_path = public;
      `),
    );
    expect(results.map(summary)).toEqual([
      ['CREATE TABLE', null, []],
      ['INSERT', 3, []],
      ['UPDATE', 2, []],
      ['DELETE', 1, []],
      [
        'SELECT',
        2,
        [
          { id: 1, name: 'A' },
          { id: 2, name: 'B' },
        ],
      ],
      ['SET', null, []],
    ]);
    expect(results[1].tag).toBe('INSERT 0 3');
    expect(results[4].columns.map((c) => c.name)).toEqual(['id', 'name']);
    expect(results[0].columns).toEqual([]);
  });

  it('executeResults tells the rows a parameterised statement affected', async () => {
    const insert = await all(
      conn().executeResults('insert into items select g, $1 from generate_series(1, $2::int) g', [
        'n',
        5,
      ]),
    );
    expect(insert.map(summary)).toEqual([['INSERT', 5, []]]);
    const update = await all(
      conn().executeResults('update items set name = $1 where id > $2', ['big', 3]),
    );
    expect(update.map(summary)).toEqual([['UPDATE', 2, []]]);
    const none = await all(conn().executeResults('delete from items where id > $1', [100]));
    expect(none.map(summary)).toEqual([['DELETE', 0, []]]);
    const select = await all(
      conn().executeResults<{ id: number }>('select id from items where name = $1 order by id', [
        'big',
      ]),
    );
    expect(select.map(summary)).toEqual([['SELECT', 2, [{ id: 4 }, { id: 5 }]]]);
  });

  it('counts the rows of MERGE and of CREATE TABLE AS', async () => {
    await all(conn().query("insert into items values (1, 'a')"));
    const results = await all(
      conn().queryResults(`
        merge into items using (values (1, 'z'), (2, 'y')) v(id, name) on items.id = v.id
          when matched then update set name = v.name
          when not matched then insert values (v.id, v.name);
        create temporary table copied as select * from items;
      `),
    );
    expect(results.map(summary)).toEqual([
      ['MERGE', 2, []],
      ['SELECT', 2, []],
    ]);
  });

  it('INSERT ... RETURNING emits its rows', async () => {
    const returned = await all(
      conn().executeStatement('insert into items values ($1, $2), ($3, $4) returning id, name', [
        1,
        'a',
        2,
        'b',
      ]),
    );
    expect(returned).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
    const [result] = await all(
      conn().queryResults("insert into items values (3, 'c') returning id"),
    );
    expect(summary(result)).toEqual(['INSERT', 1, [{ id: 3 }]]);
  });

  it.each(['', '   ', ';', '-- only a comment'])(
    'an empty query %j completes with nothing',
    async (sql) => {
      expect(await all(conn().query(sql))).toEqual([]);
      expect(await all(conn().queryResults(sql))).toEqual([]);
      expect(await all(conn().executeStatement(sql))).toEqual([]);
      expect(await all(conn().executeResults(sql))).toEqual([]);
    },
  );

  it.each([
    ['query', () => conn().query('select 10 / (5 - i) as q from generate_series(1, 10) i')],
    [
      'executeStatement',
      () => conn().executeStatement('select 10 / ($1 - i) as q from generate_series(1, 10) i', [5]),
    ],
  ])('%s that fails after some rows errors after those rows', async (_name, run) => {
    const seen: unknown[] = [];
    const error = await failure(run().pipe(tap((row) => seen.push(row))));
    expect(seen).toEqual([{ q: 2 }, { q: 3 }, { q: 5 }, { q: 10 }]);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ code: SqlState.DivisionByZero });
    expect(await all(conn().query('select 1 as one'))).toEqual([{ one: 1 }]);
    expect(conn().transactionStatus).toBe('I');
  });

  it('a multi-statement query stops at its first error and rolls the others back', async () => {
    const seen: Result[] = [];
    const error = await failure(
      conn()
        .queryResults(
          "insert into items values (1, 'a'); select 1 / 0; insert into items values (2, 'b')",
        )
        .pipe(tap((result) => seen.push(result))),
    );
    expect(seen.map(summary)).toEqual([['INSERT', 1, []]]);
    expect(error).toMatchObject({ code: SqlState.DivisionByZero });
    // The statements of one Query message share an implicit transaction.
    expect(await all(conn().query('select count(*)::int as n from items'))).toEqual([{ n: 0 }]);
  });

  it('Results carry rows in the query’s row mode', async () => {
    const [result] = await all(
      conn().executeResults('select $1::int as a, $2::text as a', [1, 'x'], { rowMode: 'array' }),
    );
    expect(result.rows).toEqual([[1, 'x']]);
    expect(result.columns.map((c) => c.name)).toEqual(['a', 'a_2']);
  });
});
