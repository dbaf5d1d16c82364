import { getTypeParser } from 'pg-types';
import { ErrorCode } from '../../src/errors';
import { encodeDate, encodeParameter } from '../../src/query/params';
import { TypeOid } from '../../src/query/types';

const encode = (value: unknown) => encodeParameter(value, 0);

describe('parameter encoding', () => {
  it.each<[string, unknown, string | null]>([
    ['null', null, null],
    ['undefined', undefined, null],
    ['true', true, 'true'],
    ['false', false, 'false'],
    ['an integer', 42, '42'],
    ['a fraction', -0.5, '-0.5'],
    ['a large number in exponent form', 1e21, '1e+21'],
    ['NaN', NaN, 'NaN'],
    ['Infinity', Infinity, 'Infinity'],
    ['-Infinity', -Infinity, '-Infinity'],
    ['negative zero, with its sign', -0, '-0'],
    ['a bigint', -(2n ** 63n), '-9223372036854775808'],
    ['a string, untouched', 'it\'s \\ "quoted"', 'it\'s \\ "quoted"'],
    ['a plain object, as JSON', { a: [1, null], b: 'é' }, '{"a":[1,null],"b":"é"}'],
    ['an object with toJSON', { toJSON: () => 'custom' }, '"custom"'],
    ['a Uint8Array, as bytea hex', new Uint8Array([0, 15, 255]), '\\x000fff'],
  ])('encodes %s', (_name, value, expected) => {
    expect(encode(value)).toBe(expected);
  });

  it('passes a Buffer through, to be sent in binary', () => {
    const buffer = Buffer.from([0, 1, 2]);
    expect(encode(buffer)).toBe(buffer);
  });

  describe('Dates', () => {
    it('are written in UTC with milliseconds', () => {
      expect(encodeDate(new Date('2024-01-31T10:00:00.007Z'))).toBe(
        '2024-01-31T10:00:00.007+00:00',
      );
    });

    it('before year 1 are written BC, PostgreSQL having no year zero', () => {
      expect(encodeDate(new Date('0000-06-01T00:00:00Z'))).toBe('0001-06-01T00:00:00.000+00:00 BC');
      expect(encodeDate(new Date('-000043-03-15T12:00:00Z'))).toBe(
        '0044-03-15T12:00:00.000+00:00 BC',
      );
    });

    it('that are invalid are refused with the parameter’s number', () => {
      expect(() => encodeParameter(new Date(NaN), 2)).toThrow(
        expect.objectContaining({
          code: ErrorCode.InvalidParameter,
          message: expect.stringContaining('$3'),
        }),
      );
    });
  });

  describe('arrays', () => {
    it.each<[string, unknown[], string]>([
      ['empty', [], '{}'],
      ['of numbers with NULLs', [1, null, undefined, 2.5], '{"1",NULL,NULL,"2.5"}'],
      [
        'nested',
        [
          [1, 2],
          [3, null],
        ],
        '{{"1","2"},{"3",NULL}}',
      ],
      [
        'of text needing quotes',
        ['a"b', 'c\\d', '', 'NULL', ' x ', '{,}'],
        '{"a\\"b","c\\\\d","","NULL"," x ","{,}"}',
      ],
      ['of Buffers', [Buffer.from([1, 255])], '{"\\\\x01ff"}'],
      ['of Dates', [new Date('2024-01-01T00:00:00Z')], '{"2024-01-01T00:00:00.000+00:00"}'],
      ['of objects, each as JSON', [{ a: '"' }], '{"{\\"a\\":\\"\\\\\\"\\"}"}'],
      ['of bigints and booleans', [1n, true], '{"1","true"}'],
    ])('%s', (_name, value, expected) => {
      expect(encode(value)).toBe(expected);
    });
  });

  describe('values with toPostgres()', () => {
    it('send an interval decoded by rxpg back in its own text form', () => {
      const interval = getTypeParser(TypeOid.interval)('1 day 02:03:04.5') as object;
      expect(encode(interval)).toBe('4.5 seconds 3 minutes 2 hours 1 days');
    });

    it('give range bounds to the parameter encoding (Dates in UTC)', () => {
      const range = {
        toPostgres: (prepare: (value: unknown) => string | null) =>
          `[${prepare(new Date('2024-01-01T00:00:00Z'))},${prepare(null) ?? ''})`,
      };
      expect(encode(range)).toBe('[2024-01-01T00:00:00.000+00:00,)');
    });

    it('must return a string', () => {
      expect(() => encode({ toPostgres: () => 42 })).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidParameter }),
      );
    });

    it('that throws is a coded error', () => {
      const failing = {
        toPostgres: () => {
          throw new Error('nope');
        },
      };
      expect(() => encode(failing)).toThrow(
        expect.objectContaining({
          code: ErrorCode.InvalidParameter,
          message: expect.stringContaining('nope'),
        }),
      );
    });
  });

  describe('refusals', () => {
    it.each<[string, unknown]>([
      ['a NUL in a string', 'a\0b'],
      ['a NUL in an array element', ['ok', ['a\0b']]],
      ['a NUL from toPostgres', { toPostgres: () => '\0' }],
      ['a function', () => undefined],
      ['a symbol', Symbol('s')],
      ['a bigint inside JSON', { n: 1n }],
      [
        'a cycle inside JSON',
        (() => {
          const o: Record<string, unknown> = {};
          o.self = o;
          return o;
        })(),
      ],
    ])('%s, with a coded error naming the parameter', (_name, value) => {
      expect(() => encodeParameter(value, 4)).toThrow(
        expect.objectContaining({
          code: ErrorCode.InvalidParameter,
          message: expect.stringContaining('$5'),
        }),
      );
    });

    it('keep NUL bytes in a Buffer, which is bytea data', () => {
      expect(encode(Buffer.from('a\0b'))).toEqual(Buffer.from('a\0b'));
    });
  });
});
