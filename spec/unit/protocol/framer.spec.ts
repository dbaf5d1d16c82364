import { ErrorCode, RxpgError } from '../../../src/errors';
import { Framer } from '../../../src/protocol/framer';

function message(code: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(code, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

const stream = Buffer.concat([
  message('Z', Buffer.from('I')),
  message('D', Buffer.from([0, 1, 0, 0, 0, 3, 0x61, 0x62, 0x63])),
  message('C', Buffer.from('SELECT 1\0')),
  message('n', Buffer.alloc(0)),
]);

function collect(chunks: Buffer[], limit = 1 << 30): string[] {
  const framer = new Framer(() => limit);
  const seen: string[] = [];
  for (const chunk of chunks) {
    framer.push(chunk, (code, buffer, start, end) =>
      seen.push(`${String.fromCharCode(code)}:${buffer.toString('hex', start, end)}`),
    );
  }
  return seen;
}

describe('Framer', () => {
  const whole = collect([stream]);

  it('cuts a stream into its messages', () => {
    expect(whole).toEqual(['Z:49', 'D:000100000003616263', 'C:53454c454354203100', 'n:']);
  });

  it('gives the same messages whichever byte a chunk ends at', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(collect([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(whole);
    }
  });

  it('gives the same messages when every byte arrives alone', () => {
    const bytes = [...stream].map((b) => Buffer.from([b]));
    expect(collect(bytes)).toEqual(whole);
  });

  it('gives the same messages for every pair of cuts', () => {
    for (let a = 1; a < stream.length - 1; a++) {
      for (let b = a + 1; b < stream.length; b++) {
        const chunks = [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)];
        expect(collect(chunks)).toEqual(whole);
      }
    }
  });

  it('refuses a length below four before buffering anything', () => {
    const bad = Buffer.from([0x5a, 0, 0, 0, 3]);
    expect(() => collect([bad])).toThrow(
      expect.objectContaining({ code: ErrorCode.ProtocolViolation }),
    );
  });

  it('refuses a negative length', () => {
    const bad = Buffer.from([0x44, 0xff, 0xff, 0xff, 0xf0]);
    expect(() => collect([bad])).toThrow(RxpgError);
  });

  it('refuses a message over the limit as soon as its header is complete', () => {
    const header = Buffer.from([0x44, 0x7f, 0xff, 0xff, 0xff]);
    for (let cut = 1; cut < header.length; cut++) {
      expect(() => collect([header.subarray(0, cut), header.subarray(cut)], 1000)).toThrow(
        expect.objectContaining({ code: ErrorCode.MessageTooLarge }),
      );
    }
  });

  it('tells when a stream stops in the middle of a message', () => {
    const framer = new Framer(() => 1 << 20);
    framer.push(stream.subarray(0, 8), () => undefined);
    expect(framer.midMessage).toBe(true);
  });
});
