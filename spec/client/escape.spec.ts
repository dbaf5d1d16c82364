import { concat, lastValueFrom, toArray } from 'rxjs';
import { ErrorCode, escapeIdentifier, escapeLiteral } from '../../src';
import { useCluster } from '../support/cluster';
import { clientOf } from './helpers';

const HOSTILE = [
  'plain',
  'MixedCase',
  'with space',
  'double"quote',
  "single'quote",
  "it''s",
  'back\\slash',
  "\\'",
  "'; drop table x; --",
  '"; drop table x; --',
  'ünïcødé ✓ 频道',
  '$$dollar$$',
  'tab\tnew\nline',
];

describe('escapeIdentifier and escapeLiteral', () => {
  it.each([
    ['name', '"name"'],
    ['Order "Items"', '"Order ""Items"""'],
    ['', '""'],
  ])('quotes the identifier %j as %s', (name, quoted) => {
    expect(escapeIdentifier(name)).toBe(quoted);
  });

  it.each([
    ["it's", "'it''s'"],
    ['C:\\dir', "E'C:\\\\dir'"],
    ["a\\'b", "E'a\\\\''b'"],
    ['', "''"],
  ])('quotes the literal %j as %s', (value, quoted) => {
    expect(escapeLiteral(value)).toBe(quoted);
  });

  it('refuses a NUL character, which no SQL text can carry', () => {
    expect(() => escapeIdentifier('a\0b')).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidParameter }),
    );
    expect(() => escapeLiteral('a\0b')).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidParameter }),
    );
  });

  describe('against a real server', () => {
    const cluster = useCluster();

    it.each(['on', 'off'])(
      'round-trips hostile text with standard_conforming_strings %s',
      async (setting) => {
        const client = clientOf(cluster());
        const sql = HOSTILE.map(
          (text) => `select ${escapeLiteral(text)} as ${escapeIdentifier(text)}`,
        );
        const rows = await lastValueFrom(
          client
            .transaction((tx) =>
              concat(
                tx.query(`set local standard_conforming_strings = ${setting}`),
                ...sql.map((statement) => tx.query(statement)),
              ),
            )
            .pipe(toArray()),
        );
        expect(rows).toEqual(HOSTILE.map((text) => ({ [text]: text })));
      },
    );
  });
});
