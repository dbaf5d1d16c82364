import { ErrorCode, RxpgError } from '../errors';

/** A NUL character: PostgreSQL accepts none in SQL text, so none can be quoted. */
const NUL = '\0';

/**
 * Quotes `name` as an SQL identifier: wrapped in double quotes, each double
 * quote doubled. The result keeps its case and any character, so it names
 * exactly `name` and can never end the identifier early.
 *
 * @example
 * escapeIdentifier('Order "Items"'); // '"Order ""Items"""'
 * client.query(`select * from ${escapeIdentifier(table)}`);
 */
export function escapeIdentifier(name: string): string {
  refuseNul(name, 'an identifier');
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Quotes `value` as an SQL string literal: wrapped in single quotes, each
 * single quote doubled. A value with backslashes becomes an escape string
 * (`E'...'`) with each backslash doubled, so it reads the same whatever
 * `standard_conforming_strings` says. Prefer bound parameters
 * (`executeStatement`); this is for the statements that take none (e.g. SET).
 *
 * @example
 * escapeLiteral("it's"); // "'it''s'"
 * escapeLiteral('C:\\dir'); // "E'C:\\\\dir'"
 */
export function escapeLiteral(value: string): string {
  refuseNul(value, 'a literal');
  const quoted = value.replace(/'/g, "''");
  if (!quoted.includes('\\')) return `'${quoted}'`;
  return `E'${quoted.replace(/\\/g, '\\\\')}'`;
}

function refuseNul(text: string, what: string): void {
  if (text.includes(NUL)) {
    throw new RxpgError(ErrorCode.InvalidParameter, `${what} cannot contain a NUL character`, {
      hint: 'PostgreSQL stores no NUL in text; remove it',
    });
  }
}
