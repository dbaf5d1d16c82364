import { TypeOid } from '../../../src/query/types';
import { decode } from './decode';

/** The parts of a postgres-range Range that tests compare. */
interface RangeLike {
  lower: unknown;
  upper: unknown;
  isEmpty(): boolean;
  isLowerBoundClosed(): boolean;
  isUpperBoundClosed(): boolean;
  hasLowerBound(): boolean;
  hasUpperBound(): boolean;
}

const range = (oid: number, text: string) => decode(oid, text) as RangeLike;

describe('text-format decoding of ranges', () => {
  it('keeps numrange bounds as exact strings', () => {
    const r = range(TypeOid.numrange, '[1.5,2.000000000000000000001)');
    expect([r.lower, r.upper]).toEqual(['1.5', '2.000000000000000000001']);
    expect([r.isLowerBoundClosed(), r.isUpperBoundClosed()]).toEqual([true, false]);
  });

  it('keeps int8range bounds as exact strings', () => {
    const r = range(TypeOid.int8range, '[-9223372036854775808,9223372036854775807)');
    expect([r.lower, r.upper]).toEqual(['-9223372036854775808', '9223372036854775807']);
  });

  it('reads int4range bounds as numbers, and empty ranges', () => {
    const r = range(TypeOid.int4range, '[1,11)');
    expect([r.lower, r.upper]).toEqual([1, 11]);
    expect(range(TypeOid.int4range, 'empty').isEmpty()).toBe(true);
  });

  it('reads daterange bounds as Dates', () => {
    const r = range(TypeOid.daterange, '[2024-01-01,2024-02-01)');
    expect([r.lower, r.upper]).toEqual([
      new Date('2024-01-01T00:00:00Z'),
      new Date('2024-02-01T00:00:00Z'),
    ]);
  });

  it('reads tsrange and tstzrange with quoted bounds and open ends', () => {
    const ts = range(TypeOid.tsrange, '["2024-01-01 00:00:00",)');
    expect(ts.lower).toEqual(new Date('2024-01-01T00:00:00Z'));
    expect([ts.upper, ts.hasUpperBound()]).toEqual([null, false]);
    const tstz = range(TypeOid.tstzrange, '(,"2024-01-01 00:00:00+00"]');
    expect([tstz.lower, tstz.hasLowerBound()]).toEqual([null, false]);
    expect(tstz.upper).toEqual(new Date('2024-01-01T00:00:00Z'));
    expect(tstz.isUpperBoundClosed()).toBe(true);
  });

  it('reads arrays of ranges; an infinity bound reads as no bound, as in postgres-range', () => {
    const [r, empty] = decode(TypeOid.int4rangeArray, '{"[1,3)",empty}') as RangeLike[];
    expect([r.lower, r.upper, empty.isEmpty()]).toEqual([1, 3, true]);
    const [ts] = decode(
      TypeOid.tsrangeArray,
      '{"[\\"2024-01-01 00:00:00\\",infinity)"}',
    ) as RangeLike[];
    expect([ts.lower, ts.upper]).toEqual([new Date('2024-01-01T00:00:00Z'), null]);
    expect(ts.hasUpperBound()).toBe(false);
  });
});

describe('text-format decoding of interval (IntervalStyle postgres)', () => {
  it.each([
    [
      '1 year 2 mons 3 days 04:05:06.789',
      { years: 1, months: 2, days: 3, hours: 4, minutes: 5, seconds: 6, milliseconds: 789 },
    ],
    ['-1 days -00:00:01.5', { days: -1, seconds: -1, milliseconds: -500 }],
    ['00:00:00.000001', { seconds: 0, milliseconds: 0.001 }],
    [
      '-1 years -2 mons +3 days -04:05:06',
      { years: -1, months: -2, days: 3, hours: -4, minutes: -5, seconds: -6 },
    ],
    ['1 day', { days: 1, hours: 0 }],
    ['00:00:00', { years: 0, days: 0, seconds: 0, milliseconds: 0 }],
  ])('reads %s', (text, fields) => {
    expect(decode(TypeOid.interval, text)).toMatchObject(fields);
  });

  it('gives an object that writes itself back', () => {
    const interval = decode(TypeOid.interval, '1 day 02:00:00') as { toPostgres(): string };
    expect(interval.toPostgres()).toBe('2 hours 1 days');
  });
});
