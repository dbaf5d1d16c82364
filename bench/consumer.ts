/**
 * The synchronous consumer every client feeds: it reads every field of every row, checks
 * its JavaScript type, and keeps sums that the parent compares with the expected ones, so
 * that no client can win by skipping or lazily decoding a value.
 */
import type { Checksum } from './shared';

const MS_PER_SECOND = 1000;

export class RowChecker {
  private rows = 0;
  private sumI = 0;
  private textLength = 0;
  private numericLength = 0;
  private badDates = 0;
  /** `at - i seconds` of the first row: now() of the statement, the same for every row. */
  private base = NaN;

  /** Reads one row `{ i: number, label: string, at: Date, amount: string }`. */
  take(row: Readonly<Record<string, unknown>>): void {
    const { i, label, at, amount } = row;
    if (
      typeof i !== 'number' ||
      typeof label !== 'string' ||
      !(at instanceof Date) ||
      typeof amount !== 'string'
    ) {
      throw new TypeError(`row ${this.rows + 1} has other types: ${describe(row)}`);
    }
    const base = at.getTime() - i * MS_PER_SECOND;
    if (this.rows === 0) this.base = base;
    else if (base !== this.base) this.badDates++;
    this.rows++;
    this.sumI += i;
    this.textLength += label.length;
    this.numericLength += amount.length;
  }

  get count(): number {
    return this.rows;
  }

  checksum(): Checksum {
    return {
      rows: this.rows,
      sumI: this.sumI,
      textLength: this.textLength,
      numericLength: this.numericLength,
      badDates: this.badDates,
    };
  }
}

/** What a correct client's {@link RowChecker} holds after `rows` rows of the stream query. */
export function expectedChecksum(rows: number): Checksum {
  let textLength = 0;
  let numericLength = 0;
  for (let i = 1; i <= rows; i++) {
    textLength += 'row '.length + String(i).length;
    // (i * 1.5)::numeric prints with one decimal: 1.5, 3.0, 4.5, ...
    numericLength += String(Math.floor(i * 1.5)).length + '.0'.length;
  }
  return { rows, sumI: (rows * (rows + 1)) / 2, textLength, numericLength, badDates: 0 };
}

/** Describes the first difference between two checksums, or undefined when they agree. */
export function checksumDifference(actual: Checksum, expected: Checksum): string | undefined {
  for (const key of Object.keys(expected) as (keyof Checksum)[]) {
    if (actual[key] !== expected[key]) return `${key} is ${actual[key]}, expected ${expected[key]}`;
  }
  return undefined;
}

function describe(row: Readonly<Record<string, unknown>>): string {
  return Object.entries(row)
    .map(([key, value]) => `${key}: ${value instanceof Date ? 'Date' : typeof value}`)
    .join(', ');
}
