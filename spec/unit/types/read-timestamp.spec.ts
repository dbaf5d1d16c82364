import { readTimestamp, readTimestamptz } from '../../../src/query/read-timestamp';
import { parseTimestamp, parseTimestamptz, type DateValue } from '../../../src/query/type-dates';

function asNumber(value: DateValue): number {
  return value instanceof Date ? value.getTime() : value;
}

function bytes(text: string): [Buffer, number, number] {
  // Padding on both sides proves the reader keeps to its range.
  const buffer = Buffer.from(`##${text}##`);
  return [buffer, 2, buffer.length - 2];
}

/** A deterministic stream of numbers in [0, 1). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function sample(next: () => number, zoned: boolean): string {
  const year = 100 + Math.floor(next() * 9900);
  const date = `${pad(year, 4)}-${pad(1 + Math.floor(next() * 12))}-${pad(1 + Math.floor(next() * 28))}`;
  const time = `${pad(Math.floor(next() * 24))}:${pad(Math.floor(next() * 60))}:${pad(Math.floor(next() * 60))}`;
  const digits = Math.floor(next() * 7);
  const fraction =
    digits === 0 ? '' : `.${String(Math.floor(next() * 10 ** digits)).padStart(digits, '0')}`;
  if (!zoned) return `${date} ${time}${fraction}`;
  const sign = next() < 0.5 ? '+' : '-';
  const parts = [pad(Math.floor(next() * 15))];
  if (next() < 0.4) parts.push(pad(Math.floor(next() * 60)));
  if (parts.length === 2 && next() < 0.3) parts.push(pad(Math.floor(next() * 60)));
  return `${date} ${time}${fraction}${sign}${parts.join(':')}`;
}

describe('reading timestamps from bytes', () => {
  it('agrees with the string parser on 20,000 canonical timestamptz values', () => {
    const next = random(7);
    for (let i = 0; i < 20_000; i++) {
      const text = sample(next, true);
      expect([text, asNumber(readTimestamptz(...bytes(text)))]).toEqual([
        text,
        asNumber(parseTimestamptz(text)),
      ]);
    }
  });

  it('agrees with the string parser on 20,000 canonical timestamp values', () => {
    const next = random(11);
    for (let i = 0; i < 20_000; i++) {
      const text = sample(next, false);
      expect([text, asNumber(readTimestamp(...bytes(text)))]).toEqual([
        text,
        asNumber(parseTimestamp(text)),
      ]);
    }
  });

  it.each([
    'infinity',
    '-infinity',
    '0044-03-15 12:00:00+00',
    '0001-01-01 00:00:00+00 BC',
    '12345-01-01 00:00:00+00',
    '2024-02-29 23:59:59.999999+05:30',
    '1883-11-18 12:00:00-04:56:02',
  ])('hands %s to the string parser or reads it the same way', (text) => {
    expect(asNumber(readTimestamptz(...bytes(text)))).toEqual(asNumber(parseTimestamptz(text)));
  });
});
