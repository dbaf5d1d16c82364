import { TypeOid } from '../../../src/query/types';
import { decode } from './decode';

describe('text-format decoding of arrays', () => {
  it('unquotes elements with commas, quotes, backslashes, braces and spaces', () => {
    const text = '{"a,b","c\\"d","e\\\\f",NULL,"NULL",""," x ","{}",plain}';
    expect(decode(TypeOid.textArray, text)).toEqual([
      'a,b',
      'c"d',
      'e\\f',
      null,
      'NULL',
      '',
      ' x ',
      '{}',
      'plain',
    ]);
  });

  it('reads nested arrays with NULLs', () => {
    expect(decode(TypeOid.int4Array, '{{1,2},{3,NULL}}')).toEqual([
      [1, 2],
      [3, null],
    ]);
  });

  it('reads empty arrays and arrays with explicit bounds', () => {
    expect(decode(TypeOid.int4Array, '{}')).toEqual([]);
    expect(decode(TypeOid.int4Array, '[0:1]={1,2}')).toEqual([1, 2]);
  });

  it.each([
    ['bool[]', TypeOid.boolArray, '{t,f,NULL}', [true, false, null]],
    ['int2[]', TypeOid.int2Array, '{1,-2}', [1, -2]],
    ['oid[]', TypeOid.oidArray, '{4294967295}', [4294967295]],
    ['float8[]', TypeOid.float8Array, '{1.5,NaN,-Infinity,NULL}', [1.5, NaN, -Infinity, null]],
    ['float4[]', TypeOid.float4Array, '{1.1}', [1.1]],
    ['int8[]', TypeOid.int8Array, '{9223372036854775807,NULL}', ['9223372036854775807', null]],
    ['numeric[]', TypeOid.numericArray, '{1.10,NaN}', ['1.10', 'NaN']],
    ['varchar[]', TypeOid.varcharArray, '{a,"b c"}', ['a', 'b c']],
    ['bpchar[]', TypeOid.bpcharArray, '{"x  "}', ['x  ']],
    ['name[]', TypeOid.nameArray, '{pg_class}', ['pg_class']],
    ['money[]', TypeOid.moneyArray, '{$1.00}', ['$1.00']],
    [
      'uuid[]',
      TypeOid.uuidArray,
      '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,NULL}',
      ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', null],
    ],
  ])('reads %s', (_name, oid, text, value) => {
    expect(decode(oid, text)).toEqual(value);
  });

  it('parses json[] and jsonb[] elements, escaped quotes included', () => {
    expect(decode(TypeOid.jsonbArray, '{"{\\"a\\": 1}","null",NULL}')).toEqual([
      { a: 1 },
      null,
      null,
    ]);
    expect(decode(TypeOid.jsonArray, '{"{\\"a\\":\\"x\\\\\\"y\\"}"}')).toEqual([{ a: 'x"y' }]);
  });

  it('reads bytea[] in hex and escape formats', () => {
    expect(decode(TypeOid.byteaArray, '{"\\\\x00ff",NULL}')).toEqual([
      Buffer.from([0x00, 0xff]),
      null,
    ]);
    expect(decode(TypeOid.byteaArray, '{"\\\\000\\\\377"}')).toEqual([Buffer.from([0x00, 0xff])]);
  });

  it('reads date[], timestamp[] and timestamptz[] with infinity and NULL', () => {
    expect(decode(TypeOid.dateArray, '{2024-01-01,infinity,NULL}')).toEqual([
      new Date('2024-01-01T00:00:00Z'),
      Infinity,
      null,
    ]);
    expect(decode(TypeOid.timestampArray, '{"2024-01-01 01:02:03.5"}')).toEqual([
      new Date('2024-01-01T01:02:03.500Z'),
    ]);
    expect(decode(TypeOid.timestamptzArray, '{"2024-01-01 01:02:03.5+00",-infinity}')).toEqual([
      new Date('2024-01-01T01:02:03.500Z'),
      -Infinity,
    ]);
  });

  it('reads interval[]', () => {
    const [day, second] = decode(TypeOid.intervalArray, '{"1 day",-00:00:01}') as object[];
    expect(day).toMatchObject({ days: 1, seconds: 0 });
    expect(second).toMatchObject({ days: 0, seconds: -1 });
  });
});
