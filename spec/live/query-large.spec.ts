import { ErrorCode } from '../../src/errors';
import { all, failure, useConnection } from '../query/live';
import { useCluster } from '../support/cluster';

const MB = 1024 * 1024;

describe('large values', () => {
  const cluster = useCluster();
  const conn = useConnection(cluster);

  it('a 100 MB text value round-trips through a parameter', async () => {
    // Every character from one to four UTF-8 bytes, so no byte boundary is special.
    const unit = 'abcé✓🐘\n';
    const text = unit.repeat(Math.ceil((100 * MB) / Buffer.byteLength(unit)));
    const [row] = await all(
      conn().executeStatement<{ t: string; bytes: number }>(
        'select $1::text as t, octet_length($1::text) as bytes',
        [text],
      ),
    );
    expect(row.bytes).toBe(Buffer.byteLength(text));
    expect(row.t.length).toBe(text.length);
    expect(row.t === text).toBe(true);
  });

  it('a 100 MB bytea round-trips through a parameter', async () => {
    const bytes = Buffer.allocUnsafe(100 * MB);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    const [row] = await all(
      conn().executeStatement<{ b: Buffer; n: number }>(
        'select $1::bytea as b, length($1::bytea) as n',
        [bytes],
      ),
    );
    expect(row.n).toBe(bytes.length);
    expect(row.b.equals(bytes)).toBe(true);
  });

  it('a bytea whose hex text is longer than any string (260 MB) is read into a Buffer', async () => {
    // 260 MB is 545 million hex digits, past V8's 536,870,888-character limit.
    const [row] = await all(
      conn().query<{ b: Buffer }>(
        `select convert_to(repeat(repeat('x', ${MB}), 260), 'UTF8') as b`,
      ),
    );
    expect(row.b.length).toBe(260 * MB);
    expect(row.b[0]).toBe(0x78);
    expect(row.b.subarray(row.b.length - 3).toString()).toBe('xxx');
  });

  it('a row of 1,600 columns, the most a table has, is written and read', async () => {
    const count = 1600;
    const names = Array.from({ length: count }, (_, i) => `c${i}`);
    await all(conn().query(`create table wide (${names.map((n) => `${n} int`).join(', ')})`));
    const placeholders = names.map((_, i) => `$${i + 1}`).join(', ');
    const values = names.map((_, i) => i);
    await all(conn().executeStatement(`insert into wide values (${placeholders})`, values));
    const [row] = await all(conn().executeStatement<Record<string, number>>('select * from wide'));
    expect(Object.keys(row)).toEqual(names);
    expect(Object.values(row)).toEqual(values);
    const [array] = await all(conn().query('select * from wide', { rowMode: 'array' }));
    expect(array).toEqual(values);
  });

  it('a text value too long for a JavaScript string fails that query with a coded error; the connection goes on', async () => {
    const error = await failure(conn().query(`select repeat(repeat('x', ${MB}), 600) as huge`));
    expect(error).toMatchObject({
      code: ErrorCode.DecodeFailed,
      hint: expect.stringContaining('substring'),
    });
    expect(await all(conn().query('select 1 as one'))).toEqual([{ one: 1 }]);
    expect(conn().connectionState).not.toBe('closed');
  });
});
