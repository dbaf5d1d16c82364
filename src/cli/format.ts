import type { Row } from '../query/columns';

/** Output formats of the rxpg command. */
export type OutputFormat = 'ndjson' | 'csv';

/** Turns rows into lines of text. */
export interface RowFormatter {
  /** Text to write before the first row (a CSV header), given that row. */
  header(first: Row): string;
  line(row: Row): string;
}

/** A value as text: dates in ISO 8601, bytea as `\x` hex (PostgreSQL's own form), rest as JSON. */
function plain(value: unknown): unknown {
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (typeof value === 'bigint') return value.toString();
  return value;
}

const ndjson: RowFormatter = {
  header: () => '',
  line: (row) => JSON.stringify(row, (_key, value: unknown) => plain(value)) + '\n',
};

/** RFC 4180: quote fields holding a quote, comma or line break; double inner quotes. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const v = plain(value);
  const text = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csv: RowFormatter = {
  header: (first) => Object.keys(first).map(csvField).join(',') + '\r\n',
  line: (row) => Object.values(row).map(csvField).join(',') + '\r\n',
};

/** The formatter for a format name. */
export function formatterFor(format: OutputFormat): RowFormatter {
  return format === 'csv' ? csv : ndjson;
}
