import { DatabaseError, ErrorCode, RxpgError } from '../../src/errors';
import { all, failure, open, paramsOf, useConnection } from '../query/live';
import { useCluster } from '../support/cluster';
import { recordingProxy } from '../support/recording-proxy';

/** Every byte value once: bytea must carry them all, NUL included. */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

const HOSTILE = [
  "'",
  "''",
  "'; drop table notes; --",
  "x'); drop table notes; --",
  '"; drop table notes; --',
  '\\',
  "\\'; drop table notes; --",
  "E'\\x27'",
  '$1',
  '$$; drop table notes; $$',
  '/* comment */',
  '-- comment',
  'tab\there\nnew line\r\n',
  'ünïcødé ✓ 频道 🐘',
  '{1,2}',
  'NULL',
];

describe('executeStatement parameters', () => {
  const cluster = useCluster();
  const conn = useConnection(cluster);

  async function roundTrip(value: unknown, cast: string): Promise<unknown> {
    const [row] = await all(conn().executeStatement(`select $1::${cast} as v`, [value]));
    return row.v;
  }

  const at = new Date('2024-02-29T23:59:58.123Z');
  it.each<[string, unknown, string, unknown]>([
    ['null', null, 'int4', null],
    ['undefined as NULL', undefined, 'text', null],
    ['true', true, 'bool', true],
    ['false', false, 'bool', false],
    ['an integer', 42, 'int4', 42],
    ['a negative fraction', -7.25, 'float8', -7.25],
    ['NaN', NaN, 'float8', NaN],
    ['Infinity', Infinity, 'float8', Infinity],
    ['-Infinity', -Infinity, 'float8', -Infinity],
    ['negative zero', -0, 'float8', -0],
    ['the largest safe integer into int8, as exact text', 2 ** 53 - 1, 'int8', '9007199254740991'],
    ['the largest bigint into int8', 2n ** 63n - 1n, 'int8', '9223372036854775807'],
    ['the smallest bigint into int8', -(2n ** 63n), 'int8', '-9223372036854775808'],
    [
      'a 30-digit bigint into numeric',
      10n ** 30n + 1n,
      'numeric',
      '1000000000000000000000000000001',
    ],
    ['a number into numeric', 0.1, 'numeric', '0.1'],
    ['NaN into numeric', NaN, 'numeric', 'NaN'],
    ['a Unicode string', 'héllo wörld ✓ 频道 🐘', 'text', 'héllo wörld ✓ 频道 🐘'],
    ['an empty string', '', 'text', ''],
    ['a Date into timestamptz', at, 'timestamptz', at],
    ['a Date into timestamp (as UTC)', at, 'timestamp', at],
    ['a Date into date (its UTC day)', at, 'date', new Date('2024-02-29T00:00:00Z')],
    [
      'a BC Date into timestamptz',
      new Date('-000100-03-01T00:00:00Z'),
      'timestamptz',
      new Date('-000100-03-01T00:00:00Z'),
    ],
    ['a Buffer of every byte into bytea', ALL_BYTES, 'bytea', ALL_BYTES],
    ['an empty Buffer', Buffer.alloc(0), 'bytea', Buffer.alloc(0)],
    [
      'a Uint8Array into bytea',
      new Uint8Array([0, 1, 254, 255]),
      'bytea',
      Buffer.from([0, 1, 254, 255]),
    ],
    ['an empty array', [], 'int4[]', []],
    [
      'a nested array with NULLs',
      [
        [1, null],
        [null, 4],
      ],
      'int4[]',
      [
        [1, null],
        [null, 4],
      ],
    ],
    ['a three-dimensional array', [[[1, 2]], [[3, 4]]], 'int8[]', [[['1', '2']], [['3', '4']]]],
    ['an array of booleans', [true, false, null], 'bool[]', [true, false, null]],
    ['an array of bigints', [1n, -(2n ** 63n)], 'int8[]', ['1', '-9223372036854775808']],
    [
      'an array of floats with NaN and Infinity',
      [NaN, Infinity, -Infinity, 1.5],
      'float8[]',
      [NaN, Infinity, -Infinity, 1.5],
    ],
    ['an array of Dates', [at, null], 'timestamptz[]', [at, null]],
    ['an array of Buffers', [ALL_BYTES, null], 'bytea[]', [ALL_BYTES, null]],
    [
      'an array of objects into jsonb[]',
      [{ a: 1 }, { b: 'x"y' }],
      'jsonb[]',
      [{ a: 1 }, { b: 'x"y' }],
    ],
    [
      'an array of text that needs quoting',
      ['a"b', 'c\\d', null, 'NULL', '', ' padded ', '{}', 'a,b', "it's", '\\"'],
      'text[]',
      ['a"b', 'c\\d', null, 'NULL', '', ' padded ', '{}', 'a,b', "it's", '\\"'],
    ],
    [
      'an object into json',
      { a: 1, b: [1, 'x'], c: null, d: { e: 'é' } },
      'json',
      { a: 1, b: [1, 'x'], c: null, d: { e: 'é' } },
    ],
    [
      'an object into jsonb',
      { a: 1, b: [true], c: { d: 'x"y\\z' } },
      'jsonb',
      { a: 1, b: [true], c: { d: 'x"y\\z' } },
    ],
    ['a JSON array, stringified by the caller', JSON.stringify([1, 'a']), 'jsonb', [1, 'a']],
  ])('%s round-trips', async (_name, value, cast, expected) => {
    expect(await roundTrip(value, cast)).toEqual(expected);
  });

  it('sends an untyped string parameter as text', async () => {
    const [row] = await all(conn().executeStatement('select $1 as v', ['abc']));
    expect(row).toEqual({ v: 'abc' });
  });

  it('sends Buffers in binary, so a bytea column gets the bytes themselves', async () => {
    await all(conn().query('create temporary table blobs (b bytea)'));
    await all(conn().executeStatement('insert into blobs values ($1)', [ALL_BYTES]));
    const [row] = await all(conn().query('select length(b) as n, md5(b) as h from blobs'));
    expect(row.n).toBe(256);
    expect(row.h).toBe('e2c865db4162bed963bfaa9ef6ac18f0');
  });

  it('refuses a Date that is not a date, naming the parameter', async () => {
    const error = await failure(
      conn().executeStatement('select $1::text, $2::timestamptz', ['a', new Date(NaN)]),
    );
    expect(error).toMatchObject({
      code: ErrorCode.InvalidParameter,
      message: expect.stringContaining('$2'),
    });
  });

  it.each([
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['an object with a bigint inside', { n: 1n }],
  ])('refuses %s with a coded error', async (_name, value) => {
    const error = await failure(conn().executeStatement('select $1::text', [value]));
    expect(error).toMatchObject({ code: ErrorCode.InvalidParameter });
    expect(await all(conn().query('select 1 as one'))).toEqual([{ one: 1 }]);
  });
});

describe('parameter counts', () => {
  const cluster = useCluster();
  const conn = useConnection(cluster);

  it('a first execution with too few parameters fails with a coded error; the connection goes on', async () => {
    const error = await failure(conn().executeStatement('select $1::int + $2::int as sum', [1]));
    expect(error).toBeInstanceOf(RxpgError);
    expect(error).toMatchObject({
      code: ErrorCode.InvalidParameter,
      message: 'the statement takes 2 parameters but 1 was given',
    });
    expect((error as RxpgError).cause).toBeInstanceOf(DatabaseError);
    expect(await all(conn().executeStatement('select $1::int + $2::int as sum', [1, 2]))).toEqual([
      { sum: 3 },
    ]);
  });

  it('a parameter given to a statement that takes none is refused too', async () => {
    const error = await failure(conn().executeStatement('select 1 as one', [1]));
    expect(error).toMatchObject({ code: ErrorCode.InvalidParameter });
  });

  it('a cached statement with the wrong count fails before anything is sent', async () => {
    const proxy = await recordingProxy(cluster().port);
    const viaProxy = await open(paramsOf(cluster(), proxy.port));
    try {
      const sql = 'select $1::text as a';
      await all(viaProxy.executeStatement(sql, ['x']));
      const before = proxy.sent[0].length;
      const error = await failure(viaProxy.executeStatement(sql, ['x', 'y']));
      expect(error).toMatchObject({ code: ErrorCode.InvalidParameter });
      expect(proxy.sent[0].length).toBe(before);
      expect(await all(viaProxy.executeStatement(sql, ['z']))).toEqual([{ a: 'z' }]);
    } finally {
      viaProxy.close();
      await proxy.close();
    }
  });

  it('unnamed statements (statementCacheSize 0) get the same coded error', async () => {
    const unnamed = await open(paramsOf(cluster()), { statementCacheSize: 0 });
    try {
      const error = await failure(
        unnamed.executeStatement('select $1::int as a, $2::int as b', [1, 2, 3]),
      );
      expect(error).toMatchObject({
        code: ErrorCode.InvalidParameter,
        message: 'the statement takes 2 parameters but 3 were given',
      });
    } finally {
      unnamed.close();
    }
  });

  it('more parameters than Bind can carry fails with nothing sent', async () => {
    const error = await failure(conn().executeStatement('select 1', new Array(65_536).fill(1)));
    expect(error).toMatchObject({ code: ErrorCode.InvalidParameter });
  });

  it('a statement with 65,535 parameters, the most Bind carries, gets every one', async () => {
    const count = 65_535;
    const placeholders = Array.from({ length: count }, (_, i) => `$${i + 1}::int`).join(',');
    const values = Array.from({ length: count }, (_, i) => i);
    const [row] = await all(
      conn().executeStatement(
        `select cardinality(array[${placeholders}]) as n, (array[${placeholders}])[${count}] as last`,
        values,
      ),
    );
    expect(row).toEqual({ n: count, last: count - 1 });
  });
});

describe('SQL injection through parameters', () => {
  const cluster = useCluster();
  const conn = useConnection(cluster);

  beforeAll(async () => {
    await cluster().admin('create table notes (id serial primary key, body text)');
  });

  it.each(['on', 'off'])(
    'stores hostile text verbatim with standard_conforming_strings %s',
    async (setting) => {
      await all(conn().query(`set standard_conforming_strings = ${setting}`));
      await all(conn().query('truncate notes'));
      for (const text of HOSTILE) {
        await all(conn().executeStatement('insert into notes (body) values ($1)', [text]));
      }
      const rows = await all(
        conn().executeStatement<{ body: string }>('select body from notes order by id'),
      );
      expect(rows.map((r) => r.body)).toEqual(HOSTILE);
      const [matches] = await all(
        conn().executeStatement<{ n: number }>(
          'select count(*)::int as n from notes where body = any($1)',
          [HOSTILE],
        ),
      );
      expect(matches.n).toBe(HOSTILE.length);
    },
  );

  it('carries hostile text inside arrays and JSON verbatim', async () => {
    const [row] = await all(
      conn().executeStatement('select $1::text[] as a, $2::jsonb as j', [
        HOSTILE,
        { hostile: HOSTILE },
      ]),
    );
    expect(row).toEqual({ a: HOSTILE, j: { hostile: HOSTILE } });
  });

  it('a NUL character in text is a coded error, and nothing is stored', async () => {
    await all(conn().query('truncate notes'));
    for (const value of ['a\0b', ['ok', 'a\0b'], { toPostgres: () => 'a\0b' }]) {
      const error = await failure(
        conn().executeStatement('insert into notes (body) values ($1::text)', [value]),
      );
      expect(error).toMatchObject({
        code: ErrorCode.InvalidParameter,
        message: expect.stringContaining('NUL'),
      });
    }
    expect(await all(conn().query('select count(*)::int as n from notes'))).toEqual([{ n: 0 }]);
  });

  it('a NUL byte in a Buffer is data, stored as bytea', async () => {
    const [row] = await all(
      conn().executeStatement('select $1::bytea as b', [Buffer.from('a\0b')]),
    );
    expect(row.b).toEqual(Buffer.from('a\0b'));
  });
});
