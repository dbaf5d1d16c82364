import { ErrorCode } from '../../src/errors';
import { readBytea } from '../../src/query/read-bytea';

/** The text of a value inside other bytes, to prove the reader keeps to its range. */
function within(text: string | Buffer): [Buffer, number, number] {
  const body = Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1');
  const buffer = Buffer.concat([Buffer.from('#'), body, Buffer.from('ff#')]);
  return [buffer, 1, 1 + body.length];
}

describe('reading bytea from the row bytes', () => {
  it.each<[string, string, number[]]>([
    ['hex', '\\x00ff10', [0, 0xff, 0x10]],
    ['upper-case hex', '\\xABCD', [0xab, 0xcd]],
    ['an empty value', '\\x', []],
    ['the escape format', 'a\\\\b\\000\\377', [0x61, 0x5c, 0x62, 0, 0xff]],
    ['escape format text without escapes', 'plain', [...Buffer.from('plain')]],
  ])('reads %s', (_name, text, bytes) => {
    expect(readBytea(...within(text))).toEqual(Buffer.from(bytes));
  });

  it.each(['\\x0', '\\x0g', '\\xzz00'])('refuses malformed hex %j with a coded error', (text) => {
    expect(() => readBytea(...within(text))).toThrow(
      expect.objectContaining({ code: ErrorCode.DecodeFailed }),
    );
  });

  it('reads values longer than one decoding step, their bytes exactly', () => {
    const bytes = Buffer.alloc(9 * 1024 * 1024 + 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
    const text = Buffer.from(`\\x${bytes.toString('hex')}`);
    expect(readBytea(...within(text)).equals(bytes)).toBe(true);
  });

  it('finds a bad digit in a later step', () => {
    const text = Buffer.from(`\\x${'00'.repeat(9 * 1024 * 1024)}0q`);
    expect(() => readBytea(...within(text))).toThrow(
      expect.objectContaining({ code: ErrorCode.DecodeFailed }),
    );
  });
});
