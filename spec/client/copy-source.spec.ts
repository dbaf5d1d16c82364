import { EventEmitter } from 'node:events';
import { Subject } from 'rxjs';
import { readSource, type ChunkSink, type CopyChunk } from '../../src/query/copy-source';
import { CopyWriter } from '../../src/query/copy-writer';

/** A sink that takes `room` chunks before asking the source to wait, then waits for `drain()`. */
class FakeSink implements ChunkSink {
  readonly chunks: string[] = [];
  ended: 'complete' | 'error' | undefined;
  reason: unknown;
  private resume: (() => void) | undefined;

  constructor(private room: number) {}

  push(chunk: CopyChunk): boolean {
    this.chunks.push(String(chunk));
    this.room -= 1;
    return this.room > 0;
  }

  whenRoom(resume: () => void): () => void {
    this.resume = resume;
    return () => (this.resume = undefined);
  }

  drain(room: number): void {
    this.room = room;
    const resume = this.resume;
    this.resume = undefined;
    resume?.();
  }

  get waiting(): boolean {
    return this.resume !== undefined;
  }

  complete(): void {
    this.ended = 'complete';
  }

  error(reason: unknown): void {
    this.ended = 'error';
    this.reason = reason;
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('readSource: how copyFrom reads its source', () => {
  it('pulls a generator only while the sink has room, and resumes when it drains', () => {
    let pulled = 0;
    function* rows() {
      for (let i = 0; i < 10; i += 1) {
        pulled += 1;
        yield `row ${i}`;
      }
    }
    const sink = new FakeSink(3);
    readSource(rows(), sink);
    expect(pulled).toBe(3);
    expect(sink.waiting).toBe(true);
    sink.drain(4);
    expect(pulled).toBe(7);
    sink.drain(100);
    expect(sink.chunks).toHaveLength(10);
    expect(sink.ended).toBe('complete');
  });

  it('pulls an async iterable the same way', async () => {
    let pulled = 0;
    async function* rows() {
      for (let i = 0; i < 10; i += 1) {
        pulled += 1;
        yield `row ${i}`;
      }
    }
    const sink = new FakeSink(2);
    readSource(rows(), sink);
    await flush();
    expect(pulled).toBe(2);
    sink.drain(100);
    await flush();
    expect(sink.chunks).toHaveLength(10);
    expect(sink.ended).toBe('complete');
  });

  it('takes a string as one chunk, not as characters', () => {
    const sink = new FakeSink(100);
    readSource('1\tone\n2\ttwo\n', sink);
    expect(sink.chunks).toEqual(['1\tone\n2\ttwo\n']);
    expect(sink.ended).toBe('complete');
  });

  it('returns the iterator when stopped, so the source can clean up', () => {
    let cleaned = false;
    function* rows() {
      try {
        for (;;) yield 'row';
      } finally {
        cleaned = true;
      }
    }
    const sink = new FakeSink(5);
    const stop = readSource(rows(), sink);
    stop();
    expect(cleaned).toBe(true);
    sink.drain(5);
    expect(sink.chunks).toHaveLength(5);
    expect(sink.ended).toBeUndefined();
  });

  it('reports an iterator that throws as the source error', () => {
    const broken = new Error('broken');
    function* rows() {
      yield 'row';
      throw broken;
    }
    const sink = new FakeSink(100);
    readSource(rows(), sink);
    expect(sink.ended).toBe('error');
    expect(sink.reason).toBe(broken);
  });

  it('passes an Observable through as it pushes, and unsubscribes when stopped', () => {
    const source = new Subject<string>();
    const sink = new FakeSink(1);
    const stop = readSource(source, sink);
    source.next('a');
    source.next('b');
    expect(sink.chunks).toEqual(['a', 'b']);
    stop();
    expect(source.observed).toBe(false);
  });
});

describe('CopyWriter: CopyData framing', () => {
  /** A socket stand-in that records writes and reports full after `capacity` bytes. */
  function fakeSink(capacity: number) {
    const writes: Buffer[] = [];
    const socket = new EventEmitter();
    return {
      writes,
      socket,
      write: (bytes: Buffer) => {
        writes.push(bytes);
        return writes.reduce((n, b) => n + b.length, 0) < capacity;
      },
    };
  }

  it('gathers small chunks into one CopyData message', () => {
    const sink = fakeSink(1 << 30);
    const writer = new CopyWriter(sink);
    expect(writer.push('ab')).toBe(true);
    expect(writer.push(Buffer.from('cd'))).toBe(true);
    expect(writer.push(new Uint8Array([0x65]))).toBe(true);
    expect(sink.writes).toEqual([]);
    writer.flush();
    expect(sink.writes).toEqual([Buffer.from([0x64, 0, 0, 0, 9, 0x61, 0x62, 0x63, 0x64, 0x65])]);
  });

  it('sends a large chunk as it is, and says when the socket is full', () => {
    const sink = fakeSink(100 * 1024);
    const writer = new CopyWriter(sink);
    const large = Buffer.alloc(128 * 1024, 0x78);
    expect(writer.push(large)).toBe(false);
    expect(sink.writes[0]).toEqual(Buffer.from([0x64, 0, 2, 0, 4]));
    expect(sink.writes[1]).toBe(large);
  });

  it('refuses a chunk that is neither bytes nor text', () => {
    const writer = new CopyWriter(fakeSink(1 << 30));
    expect(() => writer.push(42 as unknown as string)).toThrow(/Buffer, Uint8Array or string/);
  });
});
