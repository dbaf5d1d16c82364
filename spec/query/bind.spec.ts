import { serialize } from 'pg-protocol';
import { bindExecuteSync } from '../../src/query/bind';

/** What pg-protocol's serializer makes of the same Bind, Execute and Sync. */
function reference(statement: string, values: (string | Buffer | null)[]): Buffer {
  return Buffer.concat([
    serialize.bind({ statement, values }),
    serialize.execute({}),
    serialize.sync(),
  ]);
}

describe('bindExecuteSync', () => {
  it.each([
    ['no parameters', 'rxpg_1', []],
    ['text parameters', 'rxpg_2', ['1', 'héllo wörld ✓', '']],
    ['NULLs', 'rxpg_3', [null, 'x', null]],
    ['an unnamed statement', '', ['42']],
    ['a long value', 'rxpg_4', ['x'.repeat(70_000)]],
  ] as const)('encodes %s as the protocol defines', (_, statement, values) => {
    const bytes = bindExecuteSync(statement, values);
    // Without binary values, no format codes: the server takes every parameter as text.
    expect(bytes.readInt16BE(6 + Buffer.byteLength(statement))).toBe(0);
    const withoutFormats = reference(statement, [...values]);
    // pg-protocol writes one text format code per parameter; the meaning is the same.
    expect(decodeBind(bytes)).toEqual(decodeBind(withoutFormats));
    // Execute (unnamed portal, all rows) and Sync follow, as pg-protocol writes them.
    expect(bytes.subarray(bytes.length - 15)).toEqual(withoutFormats.subarray(-15));
  });

  it('gives every parameter its format code when one is binary (bytea)', () => {
    const values = ['a', Buffer.from([0, 1, 2, 255]), null];
    const bytes = bindExecuteSync('rxpg_9', values);
    expect(bytes.readInt16BE(13)).toBe(3);
    expect(decodeBind(bytes)).toEqual(decodeBind(reference('rxpg_9', values)));
    expect(decodeBind(bytes).params).toEqual([
      { format: 0, value: '61' },
      { format: 1, value: '000102ff' },
      { format: 0, value: null },
    ]);
  });
});

/** Reads a Bind message back: statement, each parameter's format and bytes. */
function decodeBind(bytes: Buffer) {
  expect(String.fromCharCode(bytes[0] ?? 0)).toBe('B');
  const length = bytes.readInt32BE(1);
  let at = 5;
  const cstring = () => {
    const end = bytes.indexOf(0, at);
    const text = bytes.toString('utf8', at, end);
    at = end + 1;
    return text;
  };
  const portal = cstring();
  const statement = cstring();
  const formatCount = bytes.readInt16BE(at);
  at += 2;
  const formats = Array.from({ length: formatCount }, (_, i) => bytes.readInt16BE(at + 2 * i));
  at += 2 * formatCount;
  const count = bytes.readInt16BE(at);
  at += 2;
  const params = [];
  for (let i = 0; i < count; i++) {
    const size = bytes.readInt32BE(at);
    at += 4;
    const format = formats.length === 0 ? 0 : formats.length === 1 ? formats[0] : formats[i];
    params.push({ format, value: size < 0 ? null : bytes.toString('hex', at, at + size) });
    if (size > 0) at += size;
  }
  const resultCount = bytes.readInt16BE(at);
  at += 2;
  const resultFormats = Array.from({ length: resultCount }, (_, i) =>
    bytes.readInt16BE(at + 2 * i),
  );
  at += 2 * resultCount;
  expect(at).toBe(1 + length);
  // No codes, or one code 0, both mean text results for every column.
  return { portal, statement, params, textResults: resultFormats.every((f) => f === 0) };
}
