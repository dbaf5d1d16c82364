import { getTypeParser } from 'pg-types';
import { ErrorCode } from '../../../src/errors';
import { TypeOid } from '../../../src/query/types';
import { decode } from './decode';

const utc = (iso: string) => new Date(iso);

describe('text-format decoding of timestamptz', () => {
  it.each([
    ['UTC', '2024-05-06 07:08:09+00', '2024-05-06T07:08:09.000Z'],
    ['a whole-hour offset', '2024-07-01 12:00:00-07', '2024-07-01T19:00:00.000Z'],
    ['a +05:30 offset', '2024-05-06 12:38:09.123456+05:30', '2024-05-06T07:08:09.123Z'],
    ['a -03:30 offset', '2024-01-01 12:00:00-03:30', '2024-01-01T15:30:00.000Z'],
    ['a pre-1900 LMT offset with seconds', '1850-01-01 00:00:00+00:19:32', '1849-12-31T23:40:28Z'],
    ['a negative LMT offset with seconds', '1900-01-01 00:00:00-00:25:21', '1900-01-01T00:25:21Z'],
    ['a tiny LMT offset', '1880-01-01 00:00:00+00:00:17', '1879-12-31T23:59:43.000Z'],
    ['a leap day', '2024-02-29 23:59:59+00', '2024-02-29T23:59:59.000Z'],
    ['year 1', '0001-01-01 00:00:00+00', '0001-01-01T00:00:00.000Z'],
    ['a year below 100', '0099-12-31 00:00:00.5+00', '0099-12-31T00:00:00.500Z'],
    ['a time before 1970 with a fraction', '1969-12-31 23:59:59.5+00', '1969-12-31T23:59:59.500Z'],
    ['a BC date', '0044-03-15 12:00:00+00 BC', '-000043-03-15T12:00:00.000Z'],
    ['a five-digit year', '10000-01-01 00:00:00+00', '+010000-01-01T00:00:00.000Z'],
  ])('reads %s', (_name, text, iso) => {
    expect(decode(TypeOid.timestamptz, text)).toEqual(utc(iso));
  });

  it('truncates microseconds to milliseconds', () => {
    expect(decode(TypeOid.timestamptz, '2024-01-01 00:00:00.999999+00')).toEqual(
      utc('2024-01-01T00:00:00.999Z'),
    );
    expect(decode(TypeOid.timestamptz, '2024-01-01 00:00:00.1+00')).toEqual(
      utc('2024-01-01T00:00:00.100Z'),
    );
  });

  it('reads infinity and -infinity as the numbers Infinity and -Infinity', () => {
    expect(decode(TypeOid.timestamptz, 'infinity')).toBe(Infinity);
    expect(decode(TypeOid.timestamptz, '-infinity')).toBe(-Infinity);
  });

  it('agrees with pg-types on thousands of generated timestamps', () => {
    const general = getTypeParser(TypeOid.timestamptz);
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    for (let k = 0; k < 5000; k++) {
      const date = `${pad(1 + next(9999), 4)}-${pad(1 + next(12))}-${pad(1 + next(28))}`;
      const time = `${pad(next(24))}:${pad(next(60))}:${pad(next(60))}.${pad(next(1e6), 6)}`;
      const zone = `${next(2) ? '+' : '-'}${pad(next(16))}:${pad(next(60))}`;
      const text = `${date} ${time}${zone}`;
      expect([text, decode(TypeOid.timestamptz, text)]).toEqual([text, general(text)]);
    }
  });
});

describe('text-format decoding of timestamp without time zone', () => {
  it.each([
    ['a plain value, as UTC', '2024-05-06 07:08:09.123456', '2024-05-06T07:08:09.123Z'],
    ['a leap day', '2024-02-29 23:59:59.999999', '2024-02-29T23:59:59.999Z'],
    ['year 1 BC (year 0)', '0001-01-01 00:00:00 BC', '0000-01-01T00:00:00.000Z'],
    ['a BC date', '0044-03-15 12:00:00 BC', '-000043-03-15T12:00:00.000Z'],
  ])('reads %s', (_name, text, iso) => {
    expect(decode(TypeOid.timestamp, text)).toEqual(utc(iso));
  });

  it('reads infinity and -infinity as the numbers Infinity and -Infinity', () => {
    expect(decode(TypeOid.timestamp, 'infinity')).toBe(Infinity);
    expect(decode(TypeOid.timestamp, '-infinity')).toBe(-Infinity);
  });

  it("does not depend on the machine's time zone, even in a daylight-saving gap", () => {
    const saved = process.env.TZ;
    try {
      // Midnight did not exist in São Paulo on 2018-11-04.
      process.env.TZ = 'America/Sao_Paulo';
      expect(decode(TypeOid.timestamp, '2018-11-04 00:30:00')).toEqual(utc('2018-11-04T00:30:00Z'));
      expect(decode(TypeOid.date, '2018-11-04')).toEqual(utc('2018-11-04T00:00:00Z'));
    } finally {
      if (saved === undefined) {
        delete process.env.TZ;
      } else {
        process.env.TZ = saved;
      }
    }
  });

  it('fails with DecodeFailed on a year past the range of Date', () => {
    expect(() => decode(TypeOid.timestamp, '294276-12-31 23:59:59')).toThrow(
      expect.objectContaining({ code: ErrorCode.DecodeFailed }),
    );
  });

  it('fails with DecodeFailed on text that is not an ISO timestamp', () => {
    expect(() => decode(TypeOid.timestamp, 'Mon May 06 07:08:09 2024')).toThrow(
      expect.objectContaining({ code: ErrorCode.DecodeFailed }),
    );
    expect(() => decode(TypeOid.timestamptz, '2024-05-06 07:08:09.+00')).toThrow(
      expect.objectContaining({ code: ErrorCode.DecodeFailed }),
    );
  });
});

describe('text-format decoding of date', () => {
  it.each([
    ['a plain date, as UTC midnight', '2024-05-06', '2024-05-06T00:00:00.000Z'],
    ['a leap day', '2000-02-29', '2000-02-29T00:00:00.000Z'],
    ['a BC date', '0044-03-15 BC', '-000043-03-15T00:00:00.000Z'],
    ['the first day PostgreSQL knows', '4713-01-01 BC', '-004712-01-01T00:00:00.000Z'],
    ['a five-digit year', '10000-01-01', '+010000-01-01T00:00:00.000Z'],
  ])('reads %s', (_name, text, iso) => {
    expect(decode(TypeOid.date, text)).toEqual(utc(iso));
  });

  it('reads infinity and -infinity as the numbers Infinity and -Infinity', () => {
    expect(decode(TypeOid.date, 'infinity')).toBe(Infinity);
    expect(decode(TypeOid.date, '-infinity')).toBe(-Infinity);
  });

  it('fails with DecodeFailed on the last date PostgreSQL knows, past the range of Date', () => {
    expect(() => decode(TypeOid.date, '5874897-12-31')).toThrow(
      expect.objectContaining({ code: ErrorCode.DecodeFailed, hint: expect.any(String) }),
    );
  });
});
