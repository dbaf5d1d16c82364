import { Readable } from 'node:stream';
import {
  concat,
  defer,
  delay,
  lastValueFrom,
  map,
  of,
  range,
  take,
  throwError,
  toArray,
} from 'rxjs';
import { ErrorCode } from '../../src';
import { useCluster } from '../support/cluster';
import { clientOf, sleep } from './helpers';

const MILLION = 1_000_000;
/** A row of about 110 bytes: 1M of them are over 100 MB, well above the memory bound. */
const PADDING = 'x'.repeat(100);
/** How much more memory a million-row copy may take than before it started. */
const MEMORY_BOUND = 48 * 1024 * 1024;

/** JavaScript heap and Buffers in use: where an unbounded copy would pile up. */
function memoryInUse(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Counts newline bytes: one per row in COPY's text format. */
function countRows(chunk: Buffer): number {
  let rows = 0;
  for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) rows += 1;
  return rows;
}

describe('Client COPY against a real server', () => {
  const cluster = useCluster();
  const count = async (table: string) =>
    (await cluster().admin<{ n: number }>(`select count(*)::int as n from ${table}`))[0].n;

  beforeEach(async () => {
    await cluster().admin(
      "drop table if exists copied; create table copied (id int, label text); insert into copied values (1, 'kept'), (2, 'kept')",
    );
  });

  it('copies a million rows out with bounded memory', async () => {
    const client = clientOf(cluster());
    const baseline = memoryInUse();
    let peak = 0;
    let rows = 0;
    let bytes = 0;
    let chunks = 0;
    const done = new Promise<void>((resolve, reject) =>
      client
        .copyTo(`copy (select i, '${PADDING}' from generate_series(1, ${MILLION}) i) to stdout`)
        .subscribe({
          next: (chunk) => {
            rows += countRows(chunk);
            bytes += chunk.length;
            chunks += 1;
            if (chunks % 10_000 === 0) peak = Math.max(peak, memoryInUse() - baseline);
          },
          error: reject,
          complete: resolve,
        }),
    );
    await done;
    expect(rows).toBe(MILLION);
    expect(bytes).toBeGreaterThan(100 * 1024 * 1024);
    expect(peak).toBeLessThan(MEMORY_BOUND);
  });

  it('copies a million rows in from a generator, pulled only as fast as the socket takes them', async () => {
    await cluster().admin('truncate copied');
    const client = clientOf(cluster());
    const baseline = memoryInUse();
    let peak = 0;
    let produced = 0;
    function* rows() {
      for (let i = 1; i <= MILLION; i += 1) {
        produced += 1;
        if (i % 10_000 === 0) peak = Math.max(peak, memoryInUse() - baseline);
        yield `${i}\t${PADDING}\n`;
      }
    }
    expect(await lastValueFrom(client.copyFrom('copy copied from stdin', rows()))).toBe(MILLION);
    expect(produced).toBe(MILLION);
    expect(await count('copied')).toBe(MILLION);
    expect(peak).toBeLessThan(MEMORY_BOUND);
  });

  it('copies in from an Observable of strings and Buffers', async () => {
    const client = clientOf(cluster());
    const source = range(3, 1000).pipe(
      map((i) => (i % 2 === 0 ? `${i}\tobservable\n` : Buffer.from(`${i}\tobservable\n`))),
    );
    expect(await lastValueFrom(client.copyFrom('copy copied from stdin', source))).toBe(1000);
    expect(await count('copied')).toBe(1002);
  });

  it('copies in from a Node Readable stream, in pieces that split rows', async () => {
    const client = clientOf(cluster());
    const text = Array.from({ length: 500 }, (_, i) => `${i + 3},"csv, quoted"\n`).join('');
    const pieces = text.match(/[\s\S]{1,7}/g) ?? [];
    const rows = await lastValueFrom(
      client.copyFrom('copy copied from stdin (format csv)', Readable.from(pieces)),
    );
    expect(rows).toBe(500);
    expect(
      await cluster().admin("select count(*)::int as n from copied where label = 'csv, quoted'"),
    ).toEqual([{ n: 500 }]);
  });

  it('sends CopyFail when the source errors: the table is untouched and the error is the source’s', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 });
    const broken = new Error('source broke');
    const source = concat(
      range(3, 5000).pipe(map((i) => `${i}\tnever\n`)),
      throwError(() => broken),
    );
    await expect(lastValueFrom(client.copyFrom('copy copied from stdin', source))).rejects.toBe(
      broken,
    );
    expect(await count('copied')).toBe(2);
    expect(await lastValueFrom(client.query('select 1 as ok'))).toEqual({ ok: 1 });
    expect(client.stats).toEqual({ total: 1, idle: 1, waiting: 0 });
  });

  it('sends CopyFail when a generator throws midway', async () => {
    const client = clientOf(cluster());
    function* rows() {
      for (let i = 3; i < 100_000; i += 1) {
        if (i === 50_000) throw new Error('generator broke');
        yield `${i}\tnever\n`;
      }
    }
    await expect(lastValueFrom(client.copyFrom('copy copied from stdin', rows()))).rejects.toThrow(
      'generator broke',
    );
    expect(await count('copied')).toBe(2);
  });

  it('sends CopyFail when the subscriber unsubscribes mid-copy, and returns its generator', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 });
    let finished = false;
    let sent = 0;
    async function* slowRows() {
      try {
        for (let i = 3; ; i += 1) {
          sent += 1;
          if (i % 100 === 0) await sleep(5);
          yield `${i}\tnever\n`;
        }
      } finally {
        finished = true;
      }
    }
    const subscription = client.copyFrom('copy copied from stdin', slowRows()).subscribe();
    while (sent < 1000) await sleep(5);
    subscription.unsubscribe();
    expect(await lastValueFrom(client.query('select 1 as ok'))).toEqual({ ok: 1 });
    // An async generator runs its finally block once the pull in progress has settled.
    for (let i = 0; !finished && i < 100; i += 1) await sleep(10);
    expect(finished).toBe(true);
    expect(await count('copied')).toBe(2);
  });

  it('reports a malformed row as a DatabaseError and leaves the table untouched', async () => {
    const client = clientOf(cluster());
    await expect(
      lastValueFrom(client.copyFrom('copy copied from stdin', ['3\tok\n', 'not a number\tbad\n'])),
    ).rejects.toMatchObject({ code: '22P02' });
    expect(await count('copied')).toBe(2);
  });

  it('copies out a slow consumer’s share and stops early with take', async () => {
    const client = clientOf(cluster(), { maxConnections: 1 });
    const first = await lastValueFrom(
      client.copyTo('copy copied to stdout').pipe(take(1), delay(10), toArray()),
    );
    expect(first.map(String)).toEqual(['1\tkept\n']);
    expect(await lastValueFrom(client.query('select 2 as n'))).toEqual({ n: 2 });
  });

  it('refuses statements that are not the right COPY', async () => {
    const client = clientOf(cluster());
    await expect(lastValueFrom(client.copyTo('select 1'))).rejects.toMatchObject({
      code: ErrorCode.NotSupported,
    });
    await expect(
      lastValueFrom(client.copyTo('copy copied from stdin'), { defaultValue: undefined }),
    ).rejects.toMatchObject({ code: ErrorCode.NotSupported });
    await expect(
      lastValueFrom(client.copyFrom('copy copied to stdout', ['x'])),
    ).rejects.toMatchObject({ code: ErrorCode.NotSupported });
    expect(await count('copied')).toBe(2);
  });

  it('copies inside a transaction, undone by its rollback', async () => {
    const client = clientOf(cluster());
    await expect(
      lastValueFrom(
        client.transaction((tx) =>
          concat(
            tx.copyFrom('copy copied from stdin', of('3\tin tx\n')),
            defer(() => tx.copyTo('copy copied to stdout')).pipe(toArray()),
            throwError(() => new Error('undo')),
          ),
        ),
      ),
    ).rejects.toThrow('undo');
    expect(await count('copied')).toBe(2);
  });
});
