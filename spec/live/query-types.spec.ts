import { lastValueFrom, merge, tap } from 'rxjs';
import { Client } from '../../src/client/client';
import { ErrorCode } from '../../src/errors';
import type { Column } from '../../src/query/columns';
import { keepText, TypeOid } from '../../src/query/types';
import { all, failure, frontendMessages, open, paramsOf, useConnection } from '../query/live';
import { useCluster } from '../support/cluster';
import { CLEAN_ENV } from '../support/outcome';
import { recordingProxy } from '../support/recording-proxy';

/** The StartupMessage's parameters, from the first bytes a client sent. */
function startupParameters(sent: Buffer): Record<string, string> {
  const length = sent.readInt32BE(0);
  const parts = sent.toString('utf8', 8, length - 1).split('\0');
  const parameters: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) parameters[parts[i]] = parts[i + 1];
  return parameters;
}

describe('session settings', () => {
  const cluster = useCluster();

  it('starts every session with client_encoding UTF8, DateStyle ISO and IntervalStyle postgres', async () => {
    const proxy = await recordingProxy(cluster().port);
    const conn = await open(paramsOf(cluster(), proxy.port));
    try {
      expect(startupParameters(proxy.sent[0])).toMatchObject({
        client_encoding: 'UTF8',
        DateStyle: 'ISO, MDY',
        IntervalStyle: 'postgres',
      });
      const rows = await all(
        conn.query(
          "select current_setting('client_encoding') as e, current_setting('DateStyle') as d, current_setting('IntervalStyle') as i",
        ),
      );
      expect(rows).toEqual([{ e: 'UTF8', d: 'ISO, MDY', i: 'postgres' }]);
      expect(frontendMessages(proxy.sent[0]).map((m) => m.type)).toEqual(['Q']);
    } finally {
      conn.close();
      await proxy.close();
    }
  });

  it('keeps its settings over a role’s own defaults', async () => {
    await cluster().admin(`
      create role stylish login;
      alter role stylish set DateStyle = 'SQL, DMY';
      alter role stylish set IntervalStyle = 'iso_8601';
      alter role stylish set client_encoding = 'LATIN1';
    `);
    const conn = await open({ ...paramsOf(cluster()), user: 'stylish' });
    try {
      const [row] = await all(
        conn.query("select '2024-01-02'::date as d, '1 day'::interval as i, 'é' as e"),
      );
      expect(row).toEqual({
        d: new Date('2024-01-02T00:00:00Z'),
        i: expect.objectContaining({ days: 1 }),
        e: 'é',
      });
      expect(conn.serverParameters.get('IntervalStyle')).toBe('postgres');
    } finally {
      conn.close();
    }
  });

  it('talks UTF8 to a LATIN1 database, which converts', async () => {
    await cluster().admin(
      "create database latin1 encoding 'LATIN1' lc_collate 'C' lc_ctype 'C' template template0",
    );
    const conn = await open({ ...paramsOf(cluster()), dbname: 'latin1' });
    try {
      expect(conn.serverParameters.get('server_encoding')).toBe('LATIN1');
      const [row] = await all(
        conn.executeStatement('select $1::text as t, length($1::text) as n', ['crème brûlée']),
      );
      expect(row).toEqual({ t: 'crème brûlée', n: 12 });
    } finally {
      conn.close();
    }
  });

  it('a later change of client_encoding ends the connection with a coded error', async () => {
    const conn = await open(paramsOf(cluster()));
    const ended = lastValueFrom(conn.ended$);
    const error = await failure(conn.query("set client_encoding to 'LATIN1'"));
    expect(error).toMatchObject({ code: ErrorCode.UnsupportedServerSetting });
    expect(await ended).toMatchObject({ code: ErrorCode.UnsupportedServerSetting });
    expect(conn.connectionState).toBe('closed');
  });

  it.each([
    ['IntervalStyle', "set IntervalStyle = 'iso_8601'"],
    ['DateStyle', "set DateStyle = 'SQL, DMY'"],
  ])('a later change of %s away from what rxpg reads ends the connection', async (_name, sql) => {
    const conn = await open(paramsOf(cluster()));
    const error = await failure(conn.query(sql));
    expect(error).toMatchObject({ code: ErrorCode.UnsupportedServerSetting });
    expect(conn.connectionState).toBe('closed');
  });

  it('a DateStyle that only changes the field order is harmless, and DISCARD ALL restores ours', async () => {
    const conn = await open(paramsOf(cluster()));
    try {
      await all(conn.query("set DateStyle = 'ISO, DMY'"));
      expect(await all(conn.query("select '2024-01-02'::date as d"))).toEqual([
        { d: new Date('2024-01-02T00:00:00Z') },
      ]);
      await all(conn.query('discard all'));
      expect(conn.serverParameters.get('DateStyle')).toBe('ISO, MDY');
    } finally {
      conn.close();
    }
  });

  it('setting client_encoding to UTF8 again is harmless', async () => {
    const conn = await open(paramsOf(cluster()));
    try {
      await all(conn.query("set client_encoding to 'unicode'"));
      expect(await all(conn.query("select 'é' as e"))).toEqual([{ e: 'é' }]);
    } finally {
      conn.close();
    }
  });

  it('decodes bytea whether bytea_output is hex or escape', async () => {
    const conn = await open(paramsOf(cluster()));
    try {
      const bytes = Buffer.from([0, 1, 0x5c, 0x27, 0x7f, 0x80, 0xff, 0x41]);
      for (const output of ['hex', 'escape']) {
        await all(conn.query(`set bytea_output = ${output}`));
        const [row] = await all(conn.executeStatement('select $1::bytea as b', [bytes]));
        expect(row.b).toEqual(bytes);
        const [array] = await all(conn.executeStatement('select array[$1::bytea] as a', [bytes]));
        expect(array.a).toEqual([bytes]);
      }
    } finally {
      conn.close();
    }
  });
});

describe('types round-trip through parameters and back', () => {
  const cluster = useCluster();
  const conn = useConnection(cluster);

  beforeAll(async () => {
    await cluster().admin(`
      create type mood as enum ('sad', 'happy');
      create domain positive as int check (value > 0);
      create domain email as text check (value like '%@%');
      create type pair as (n int, label text);
    `);
  });

  async function decoded(value: unknown, type: string): Promise<unknown> {
    const [row] = await all(conn().executeStatement(`select $1::${type} as v`, [value]));
    return row.v;
  }

  const d = (iso: string) => new Date(iso);
  // [type, text the server parses, what rxpg decodes it to]
  it.each<[string, string, unknown]>([
    ['bool', 't', true],
    ['int2', '-32768', -32768],
    ['int4', '2147483647', 2147483647],
    ['int8', '9223372036854775807', '9223372036854775807'],
    ['int8', '-9223372036854775808', '-9223372036854775808'],
    [
      'numeric',
      '12345678901234567890.12345678901234567890',
      '12345678901234567890.12345678901234567890',
    ],
    ['numeric', 'NaN', 'NaN'],
    ['numeric', '-Infinity', '-Infinity'],
    ['float4', '1.5', 1.5],
    ['float8', '-1.7976931348623157e308', -1.7976931348623157e308],
    ['text', 'plain text', 'plain text'],
    ['varchar(5)', 'short', 'short'],
    ['char(4)', 'ab', 'ab  '],
    ['uuid', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ['json', '{"a": [1, 2, {"b": null}]}', { a: [1, 2, { b: null }] }],
    ['jsonb', '{"é": "\\u00e9", "n": 1.5}', { é: 'é', n: 1.5 }],
    ['bytea', '\\x00ff10', Buffer.from([0, 0xff, 0x10])],
    ['timestamptz', '2024-05-06 07:08:09.123+05:30', d('2024-05-06T01:38:09.123Z')],
    ['timestamptz', 'infinity', Infinity],
    ['timestamptz', '0044-03-15 12:00:00+00 BC', d('-000043-03-15T12:00:00Z')],
    ['timestamp', '2024-05-06 07:08:09.123456', d('2024-05-06T07:08:09.123Z')],
    ['timestamp', '-infinity', -Infinity],
    ['date', '2024-02-29', d('2024-02-29T00:00:00Z')],
    ['date', 'infinity', Infinity],
    ['time', '04:05:06.789', '04:05:06.789'],
    ['timetz', '04:05:06+02', '04:05:06+02'],
    [
      'interval',
      '1 year 2 mons 3 days 04:05:06.789',
      expect.objectContaining({
        years: 1,
        months: 2,
        days: 3,
        hours: 4,
        minutes: 5,
        seconds: 6,
        milliseconds: 789,
      }),
    ],
    ['interval', '-1 days -00:00:01', expect.objectContaining({ days: -1, seconds: -1 })],
    ['int4range', '[1,10)', expect.objectContaining({ lower: 1, upper: 10 })],
    [
      'int8range',
      '[1,9223372036854775806]',
      expect.objectContaining({ lower: '1', upper: '9223372036854775807' }),
    ],
    ['numrange', '(1.5,2.25]', expect.objectContaining({ lower: '1.5', upper: '2.25' })],
    [
      'daterange',
      '[2024-01-01,2024-02-01)',
      expect.objectContaining({
        lower: d('2024-01-01T00:00:00Z'),
        upper: d('2024-02-01T00:00:00Z'),
      }),
    ],
    [
      'tsrange',
      '[2024-01-01 10:00,)',
      expect.objectContaining({ lower: d('2024-01-01T10:00:00Z'), upper: null }),
    ],
    [
      'tstzrange',
      '[2024-01-01 10:00+00,2024-01-01 11:00+00)',
      expect.objectContaining({
        lower: d('2024-01-01T10:00:00Z'),
        upper: d('2024-01-01T11:00:00Z'),
      }),
    ],
    ['int4range', 'empty', expect.objectContaining({ lower: null, upper: null })],
    ['inet', '192.168.0.1/24', '192.168.0.1/24'],
    ['money', '12.34', '$12.34'],
    ['mood', 'happy', 'happy'],
    ['positive', '5', 5],
    ['email', 'a@b', 'a@b'],
    ['pair', '(1,"a b")', '(1,"a b")'],
    ['int8[]', '{1,NULL,9223372036854775807}', ['1', null, '9223372036854775807']],
    ['numeric[]', '{1.10,NaN}', ['1.10', 'NaN']],
    ['uuid[]', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']],
    ['json[]', '{"{\\"a\\":1}",NULL}', [{ a: 1 }, null]],
    ['jsonb[]', '{"[1,2]"}', [[1, 2]]],
    ['bytea[]', '{"\\\\x00ff",NULL}', [Buffer.from([0, 0xff]), null]],
    ['timestamptz[]', '{"2024-01-01 00:00:00+00",infinity}', [d('2024-01-01T00:00:00Z'), Infinity]],
    ['timestamp[]', '{"2024-01-01 10:00:00"}', [d('2024-01-01T10:00:00Z')]],
    ['date[]', '{2024-01-01,NULL}', [d('2024-01-01T00:00:00Z'), null]],
    [
      'interval[]',
      '{"1 day","02:00:00"}',
      [expect.objectContaining({ days: 1 }), expect.objectContaining({ hours: 2 })],
    ],
    [
      'int4range[]',
      '{"[1,3)",empty}',
      [expect.objectContaining({ lower: 1, upper: 3 }), expect.objectContaining({ lower: null })],
    ],
    ['mood[]', '{sad,happy}', '{sad,happy}'],
    ['pair[]', '{"(1,x)"}', '{"(1,x)"}'],
    [
      'text[][]',
      '{{a,b},{"c d",NULL}}',
      [
        ['a', 'b'],
        ['c d', null],
      ],
    ],
  ])('%s %j decodes, and its decoded value round-trips', async (type, text, expected) => {
    const value = await decoded(text, type);
    expect(value).toEqual(expected);
    // What rxpg decoded, sent back as a parameter, is the same value.
    expect(await decoded(value, type)).toEqual(value);
  });

  it('decodes a point and a JSON string, which go back in their text form', async () => {
    const point = (await decoded('(1.5,-2)', 'point')) as { x: number; y: number };
    expect(point).toEqual({ x: 1.5, y: -2 });
    expect(await decoded(`(${point.x},${point.y})`, 'point')).toEqual(point);
    const text = await decoded('"just a string"', 'jsonb');
    expect(text).toBe('just a string');
    // A string parameter is the JSON text itself; a JSON string value needs its quotes.
    expect(await decoded(JSON.stringify(text), 'jsonb')).toBe(text);
  });

  it('keeps microseconds the server has, truncating only in the Date', async () => {
    const [row] = await all(
      conn().executeStatement("select $1::timestamptz as t, to_char($1::timestamptz, 'US') as us", [
        '2024-01-02 03:04:05.678901+00',
      ]),
    );
    expect(row).toEqual({ t: d('2024-01-02T03:04:05.678Z'), us: '678901' });
  });
});

describe('custom parsers by type OID', () => {
  const cluster = useCluster();
  const conn = useConnection(cluster, {
    types: { [TypeOid.int8]: BigInt, [TypeOid.numeric]: Number },
  });

  it('applies the connection’s parsers to every query', async () => {
    const [row] = await all(
      conn().query('select 9223372036854775807::int8 as big, 1.5::numeric as n'),
    );
    expect(row).toEqual({ big: 9223372036854775807n, n: 1.5 });
  });

  it('lets one query override the connection’s parsers, and the next one has them back', async () => {
    const sql = 'select 1::int8 as i, now() as at';
    const [own] = await all(
      conn().executeStatement(sql, [], {
        types: { [TypeOid.int8]: (text) => `#${text}`, [TypeOid.timestamptz]: keepText },
      }),
    );
    expect(own.i).toBe('#1');
    expect(typeof own.at).toBe('string');
    const [plain] = await all(conn().executeStatement(sql));
    expect(plain.i).toBe(1n);
    expect(plain.at).toBeInstanceOf(Date);
  });

  it('parses a user type (an enum) by the OID the database gave it', async () => {
    await all(conn().query("create type level as enum ('low', 'high')"));
    const [{ oid }] = await all(
      conn().query<{ oid: number }>("select 'level'::regtype::oid as oid"),
    );
    const rows = await all(
      conn().query("select 'high'::level as l", {
        types: { [oid]: (text) => text.toUpperCase() },
      }),
    );
    expect(rows).toEqual([{ l: 'HIGH' }]);
  });

  it('overrides a type read from bytes (bytea, int4) with the caller’s parser', async () => {
    const rows = await all(
      conn().query("select '\\x0102'::bytea as b, 7 as n", {
        types: { [TypeOid.bytea]: keepText, [TypeOid.int4]: (text) => text.length },
      }),
    );
    expect(rows).toEqual([{ b: '\\x0102', n: 1 }]);
  });

  it('a parser that throws fails the query with a coded error; the connection goes on', async () => {
    const error = await failure(
      conn().query('select 1::int8 as i', {
        types: {
          [TypeOid.int8]: () => {
            throw new Error('no thanks');
          },
        },
      }),
    );
    expect(error).toMatchObject({
      code: ErrorCode.DecodeFailed,
      message: expect.stringContaining('no thanks'),
    });
    expect(await all(conn().query('select 2 as two'))).toEqual([{ two: 2 }]);
  });
});

describe('a Client’s parsers and Results', () => {
  const cluster = useCluster();

  it('applies the Client’s parsers on every pooled connection, and emits Results', async () => {
    const client = new Client(paramsOf(cluster()), {
      env: CLEAN_ENV,
      maxConnections: 2,
      types: { [TypeOid.int8]: BigInt },
    });
    try {
      const rows = await all(
        merge(
          client.query('select 1::int8 as n'),
          client.executeStatement('select $1::int8 as n', [2]),
        ),
      );
      expect(rows).toEqual(expect.arrayContaining([{ n: 1n }, { n: 2n }]));
      const results = await all(
        client.queryResults('select 3::int8 as n; set search_path = public'),
      );
      expect(results.map((r) => [r.command, r.rowCount, r.rows])).toEqual([
        ['SELECT', 1, [{ n: 3n }]],
        ['SET', null, []],
      ]);
      const [result] = await all(
        client.executeResults('select $1::int as n', [4], { rowMode: 'array' }),
      );
      expect(result.rows).toEqual([[4]]);
    } finally {
      await client.close();
    }
  });
});

describe('row shapes and column metadata', () => {
  const cluster = useCluster();
  const conn = useConnection(cluster);

  beforeAll(async () => {
    await cluster().admin(
      "create table people (id int primary key, name varchar(10)); insert into people values (1, 'Ada')",
    );
  });

  it('rowMode array emits values in column order, in every query method', async () => {
    const sql = "select 1 as a, 'x' as a, null::int as b";
    const expected = [[1, 'x', null]];
    const options = { rowMode: 'array' } as const;
    expect(await all(conn().query(sql, options))).toEqual(expected);
    expect(await all(conn().executeStatement(sql, [], options))).toEqual(expected);
    expect(
      await all(conn().cursor<unknown[], unknown[]>(sql, [], (rows) => rows, options)),
    ).toEqual(expected);
    const results = await all(conn().queryResults(sql, options));
    expect(results.map((r) => r.rows)).toEqual([expected]);
    const iterated: unknown[] = [];
    for await (const row of conn().iterate(sql, [], options)) iterated.push(row);
    expect(iterated).toEqual(expected);
  });

  it('gives repeated column names unique keys, never dropping a value', async () => {
    const rows = await all(conn().query('select 1 as a, 2 as a, 3 as a_2, 4 as "A"'));
    expect(rows).toEqual([{ a: 1, a_3: 2, a_2: 3, A: 4 }]);
    const [joined] = await all(
      conn().executeStatement('select * from people p join people q on p.id = q.id'),
    );
    expect(joined).toEqual({ id: 1, name: 'Ada', id_2: 1, name_2: 'Ada' });
  });

  it('keeps a column named __proto__ as an ordinary key', async () => {
    const [row] = await all(conn().query<Record<string, unknown>>('select 1 as "__proto__"'));
    expect(Object.keys(row)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
  });

  it('onColumns tells each result’s names, types and source before its rows', async () => {
    const seen: (readonly Column[])[] = [];
    const rows = await all(
      conn().query('select id, name, name as id from people; select 1.5::numeric(4,1) as n', {
        onColumns: (columns) => seen.push(columns),
      }),
    );
    expect(rows).toEqual([{ id: 1, name: 'Ada', id_2: 'Ada' }, { n: '1.5' }]);
    const [people, numbers] = seen;
    expect(people.map((c) => [c.name, c.originalName, c.typeId])).toEqual([
      ['id', 'id', TypeOid.int4],
      ['name', 'name', TypeOid.varchar],
      ['id_2', 'id', TypeOid.varchar],
    ]);
    expect(people[0].tableId).toBeGreaterThan(0);
    expect(people[0].columnId).toBe(1);
    expect(people[1].typeModifier).toBe(10 + 4);
    expect(numbers).toEqual([
      expect.objectContaining({ name: 'n', typeId: TypeOid.numeric, tableId: 0 }),
    ]);
  });

  it('onColumns is called for cached statements too, and before the first row', async () => {
    const order: string[] = [];
    const sql = 'select id from people where id = $1';
    for (let run = 0; run < 2; run++) {
      await all(
        conn()
          .executeStatement(sql, [1], { onColumns: () => order.push('columns') })
          .pipe(tap(() => order.push('row'))),
      );
    }
    expect(order).toEqual(['columns', 'row', 'columns', 'row']);
  });

  it('an onColumns that throws fails the query; the connection goes on', async () => {
    const error = await failure(
      conn().query('select 1', {
        onColumns: () => {
          throw new Error('refused');
        },
      }),
    );
    expect(error).toMatchObject({ message: 'refused' });
    expect(await all(conn().query('select 2 as two'))).toEqual([{ two: 2 }]);
  });

  it('types rows as the caller says', async () => {
    const [person] = await all(
      conn().executeStatement<{ id: number; name: string }>('select id, name from people'),
    );
    const name: string = person.name;
    expect(name).toBe('Ada');
  });
});
