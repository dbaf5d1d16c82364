import { merge } from 'rxjs';
import type { ConnectOptions } from '../../src/connection/connect';
import type { Connection } from '../../src/connection/connection';
import { DatabaseError } from '../../src/errors';
import { SqlState } from '../../src/errors-sqlstate';
import {
  all,
  failure,
  frontendMessages,
  open,
  paramsOf,
  parsedName,
  type FrontendMessage,
} from '../query/live';
import { useCluster, type Cluster } from '../support/cluster';
import { recordingProxy, type RecordingProxy } from '../support/recording-proxy';

/** A connection through a recording proxy, to count the messages it sends. */
interface Recorded {
  readonly conn: Connection;
  /** Messages sent so far, after the StartupMessage. */
  messages(): FrontendMessage[];
  /** Names of the statements Parse prepared, in order ('' for unnamed). */
  parses(): string[];
  close(): Promise<void>;
}

async function recorded(cluster: Cluster, options: ConnectOptions = {}): Promise<Recorded> {
  const proxy: RecordingProxy = await recordingProxy(cluster.port);
  const conn = await open(paramsOf(cluster, proxy.port), options);
  const messages = () => frontendMessages(proxy.sent[0]);
  return {
    conn,
    messages,
    parses: () =>
      messages()
        .filter((m) => m.type === 'P')
        .map(parsedName),
    close: async () => {
      conn.close();
      await proxy.close();
    },
  };
}

/** The protocol-level prepared statements the server holds for this session. */
async function prepared(conn: Connection): Promise<string[]> {
  const rows = await all(
    conn.query<{ statement: string }>(
      'select statement from pg_prepared_statements where not from_sql order by prepare_time, name',
    ),
  );
  return rows.map((r) => r.statement);
}

describe('the prepared statement cache', () => {
  const cluster = useCluster();
  let session: Recorded | undefined;
  afterEach(() => session?.close());

  async function start(options: ConnectOptions = {}): Promise<Recorded> {
    session = await recorded(cluster(), options);
    return session;
  }

  it('parses a repeated statement once and executes it from the cache', async () => {
    const { conn, parses, messages } = await start();
    const sql = 'select $1::int * 2 as doubled';
    for (const n of [1, 2, 3]) {
      expect(await all(conn.executeStatement(sql, [n]))).toEqual([{ doubled: n * 2 }]);
    }
    expect(parses()).toEqual(['rxpg_1']);
    expect(messages().filter((m) => m.type === 'B')).toHaveLength(3);
    expect(await prepared(conn)).toEqual([sql]);
  });

  it('evicts the least recently used statement past statementCacheSize and closes it on the server', async () => {
    const { conn, messages } = await start({ statementCacheSize: 2 });
    const [a, b, c] = ['select 1 as a', 'select 2 as b', 'select 3 as c'];
    for (const sql of [a, b, a, c]) await all(conn.executeStatement(sql));
    expect((await prepared(conn)).sort()).toEqual([a, c]);
    const closes = messages().filter((m) => m.type === 'C');
    expect(closes.map((m) => m.body.toString('utf8', 1, m.body.length - 1))).toEqual(['rxpg_2']);
  });

  it('does not cache a statement that fails to prepare', async () => {
    const { conn, parses } = await start();
    await all(conn.query('create temporary table later (id int)'));
    const sql = 'select missing from later';
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await failure(conn.executeStatement(sql));
      expect(error).toMatchObject({ code: SqlState.UndefinedColumn });
    }
    expect(await prepared(conn)).toEqual([]);
    await all(conn.query('alter table later add column missing int'));
    expect(await all(conn.executeStatement(sql))).toEqual([]);
    expect(parses()).toEqual(['rxpg_1', 'rxpg_2', 'rxpg_3']);
  });

  it('keeps a statement whose execution failed: only its values were wrong', async () => {
    const { conn, parses } = await start();
    const sql = 'select $1::int as n';
    const error = await failure(conn.executeStatement(sql, ['abc']));
    expect(error).toMatchObject({ code: SqlState.InvalidTextRepresentation });
    expect(await all(conn.executeStatement(sql, [7]))).toEqual([{ n: 7 }]);
    expect(parses()).toEqual(['rxpg_1']);
  });

  it.each(['discard all', 'deallocate all'])(
    'prepares a cached statement again after %s',
    async (reset) => {
      const { conn, parses } = await start();
      const sql = 'select $1::text as t';
      await all(conn.executeStatement(sql, ['a']));
      await all(conn.query(reset));
      expect(await all(conn.executeStatement(sql, ['b']))).toEqual([{ t: 'b' }]);
      expect(parses()).toEqual(['rxpg_1', 'rxpg_2']);
      expect(await prepared(conn)).toEqual([sql]);
    },
  );

  it('prepares a cached statement again after a schema change alters its result', async () => {
    const { conn, parses } = await start();
    await all(
      conn.query('create temporary table widening (a int); insert into widening values (1)'),
    );
    const sql = 'select * from widening';
    expect(await all(conn.executeStatement(sql))).toEqual([{ a: 1 }]);
    await all(conn.query('alter table widening add column b text default $$x$$'));
    expect(await all(conn.executeStatement(sql))).toEqual([{ a: 1, b: 'x' }]);
    expect(parses()).toEqual(['rxpg_1', 'rxpg_2']);
    // The stale statement was closed on the server, the new one kept.
    await all(conn.executeStatement(sql));
    expect(await prepared(conn)).toEqual([sql]);
  });

  it('inside a transaction, a stale plan’s error surfaces; after rollback the statement works', async () => {
    const { conn } = await start();
    await all(
      conn.query('create temporary table shifting (a int); insert into shifting values (1)'),
    );
    const sql = 'select * from shifting';
    await all(conn.executeStatement(sql));
    await all(conn.query('begin; alter table shifting add column b int'));
    const error = await failure(conn.executeStatement(sql));
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ code: SqlState.FeatureNotSupported });
    expect(conn.transactionStatus).toBe('E');
    await all(conn.query('rollback'));
    expect(await all(conn.executeStatement(sql))).toEqual([{ a: 1 }]);
  });

  it('inside a transaction, a statement dropped by DEALLOCATE ALL surfaces its error', async () => {
    const { conn } = await start();
    const sql = 'select 1 as one';
    await all(conn.executeStatement(sql));
    await all(conn.query('begin; deallocate all'));
    const error = await failure(conn.executeStatement(sql));
    expect(error).toMatchObject({ code: SqlState.InvalidSqlStatementName });
    await all(conn.query('rollback'));
    expect(await all(conn.executeStatement(sql))).toEqual([{ one: 1 }]);
  });

  it('statementCacheSize 0 uses only unnamed statements, as PgBouncer in transaction mode needs', async () => {
    const { conn, parses } = await start({ statementCacheSize: 0 });
    const sql = 'select $1::int as n';
    for (const n of [1, 2, 3]) expect(await all(conn.executeStatement(sql, [n]))).toEqual([{ n }]);
    expect(parses()).toEqual(['', '', '']);
    expect(await prepared(conn)).toEqual([]);
  });

  it('runs pipelined executions of one new statement unnamed rather than race its preparation', async () => {
    const { conn, parses } = await start();
    const sql = 'select $1::int as n';
    const rows = await all(merge(...[1, 2, 3].map((n) => conn.executeStatement(sql, [n]))));
    expect(rows).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(parses()).toEqual(['rxpg_1', '', '']);
    expect(await all(conn.executeStatement(sql, [4]))).toEqual([{ n: 4 }]);
    expect(parses()).toHaveLength(3);
  });

  it('closes a statement evicted while its Parse was still on the wire', async () => {
    const { conn } = await start({ statementCacheSize: 1 });
    const [a, b] = ['select 1 as a', 'select 2 as b'];
    await all(merge(conn.executeStatement(a), conn.executeStatement(b)));
    // The next execution carries the Close of the evicted statement.
    await all(conn.executeStatement(b));
    expect(await prepared(conn)).toEqual([b]);
  });
});
