import { keepText, parserFor, TypeOid } from '../../../src/query/types';
import { decode } from './decode';

describe('text-format decoding of scalar types', () => {
  it.each([
    ['text', TypeOid.text, 'hello, world'],
    ['varchar', TypeOid.varchar, 'x'],
    ['bpchar keeps its padding', TypeOid.bpchar, 'x  '],
    ['"char"', TypeOid.char, 'c'],
    ['name', TypeOid.name, 'pg_class'],
    ['uuid', TypeOid.uuid, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ['money', TypeOid.money, '$12.34'],
    ['time', TypeOid.time, '04:05:06.789'],
    ['inet', TypeOid.inet, '192.168.0.1/24'],
    ['xml', TypeOid.xml, '<a/>'],
  ])('keeps %s as its text, with no parser to call', (_name, oid, text) => {
    expect(parserFor(oid)).toBeUndefined();
    expect(decode(oid, text)).toBe(text);
  });

  it('keeps types it does not know (enums, composites) as text', () => {
    const enumOid = 16_385;
    expect(parserFor(enumOid)).toBeUndefined();
    expect(decode(enumOid, 'happy')).toBe('happy');
    expect(decode(16_390, '(1,"a b")')).toBe('(1,"a b")');
  });

  it('keeps int8 as an exact string at both ends of its range', () => {
    expect(parserFor(TypeOid.int8)).toBeUndefined();
    expect(decode(TypeOid.int8, '9223372036854775807')).toBe('9223372036854775807');
    expect(decode(TypeOid.int8, '-9223372036854775808')).toBe('-9223372036854775808');
  });

  it('keeps numeric as an exact string, 40 digits and NaN included', () => {
    const big = '1234567890123456789012345678901234567890.5';
    expect(decode(TypeOid.numeric, big)).toBe(big);
    expect(decode(TypeOid.numeric, 'NaN')).toBe('NaN');
    expect(decode(TypeOid.numeric, 'Infinity')).toBe('Infinity');
  });

  it.each([
    [TypeOid.int2, '32767', 32767],
    [TypeOid.int2, '-32768', -32768],
    [TypeOid.int4, '-2147483648', -2147483648],
    [TypeOid.oid, '4294967295', 4294967295],
  ])('reads integer type %i %s as a number', (oid, text, value) => {
    expect(decode(oid, text)).toBe(value);
  });

  it.each([
    [TypeOid.float8, '0.1', 0.1],
    [TypeOid.float8, '1e+300', 1e300],
    [TypeOid.float8, '-1.5e-300', -1.5e-300],
    [TypeOid.float4, '1.1', 1.1],
    [TypeOid.float4, '-Infinity', -Infinity],
    [TypeOid.float8, 'Infinity', Infinity],
    [TypeOid.float8, 'NaN', NaN],
  ])('reads float type %i %s as a number', (oid, text, value) => {
    expect(decode(oid, text)).toBe(value);
  });

  it('reads bool from t and f', () => {
    expect(decode(TypeOid.bool, 't')).toBe(true);
    expect(decode(TypeOid.bool, 'f')).toBe(false);
  });

  it('parses json and jsonb', () => {
    expect(decode(TypeOid.json, '{"a": [1, 2.5, "x"], "b": null}')).toEqual({
      a: [1, 2.5, 'x'],
      b: null,
    });
    expect(decode(TypeOid.jsonb, '{"a": 2, "b": 1}')).toEqual({ a: 2, b: 1 });
    expect(decode(TypeOid.jsonb, '"text"')).toBe('text');
    expect(decode(TypeOid.json, 'null')).toBeNull();
  });

  it('reads bytea in hex format', () => {
    expect(decode(TypeOid.bytea, '\\x00ff5c27')).toEqual(Buffer.from([0x00, 0xff, 0x5c, 0x27]));
    expect(decode(TypeOid.bytea, '\\x')).toEqual(Buffer.alloc(0));
  });

  it('reads bytea in escape format (bytea_output = escape)', () => {
    // PostgreSQL writes 00 ff 5c 27 41 as \000\377\\'A
    expect(decode(TypeOid.bytea, "\\000\\377\\\\'A")).toEqual(
      Buffer.from([0x00, 0xff, 0x5c, 0x27, 0x41]),
    );
    expect(decode(TypeOid.bytea, 'plain')).toEqual(Buffer.from('plain'));
  });

  it('reads point and circle as node-postgres does', () => {
    expect(decode(TypeOid.point, '(1.5,2)')).toEqual({ x: 1.5, y: 2 });
    expect(decode(TypeOid.circle, '<(1,2),3>')).toEqual({ x: 1, y: 2, radius: 3 });
  });
});

describe('type parser overrides by OID', () => {
  it('win over the built-in parser', () => {
    const overrides = { [TypeOid.int8]: BigInt };
    expect(decode(TypeOid.int8, '9223372036854775807', overrides)).toBe(9223372036854775807n);
    expect(decode(TypeOid.int4, '7', overrides)).toBe(7);
  });

  it('can decode a type rxpg does not know', () => {
    const moodOid = 16_385;
    const overrides = { [moodOid]: (text: string) => text.toUpperCase() };
    expect(decode(moodOid, 'happy', overrides)).toBe('HAPPY');
  });

  it('keep the text with keepText, leaving no parser to call', () => {
    const overrides = { [TypeOid.timestamptz]: keepText };
    expect(parserFor(TypeOid.timestamptz, overrides)).toBeUndefined();
    expect(decode(TypeOid.timestamptz, '2024-01-01 00:00:00+00', overrides)).toBe(
      '2024-01-01 00:00:00+00',
    );
  });

  it('fall back to the built-in parser for an OID mapped to undefined', () => {
    expect(decode(TypeOid.int4, '7', { [TypeOid.int4]: undefined })).toBe(7);
  });

  it('return the same built-in parser for every column of a type', () => {
    expect(parserFor(TypeOid.timestamptz)).toBe(parserFor(TypeOid.timestamptz));
  });
});
