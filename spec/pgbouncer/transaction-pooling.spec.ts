import { lastValueFrom, mergeMap, range, toArray } from 'rxjs';
import { Client, type ClientOptions } from '../../src';
import { useCluster } from '../support/cluster';
import { CLEAN_ENV } from '../support/outcome';
import {
  findPgBouncer,
  pgBouncerVersion,
  startPgBouncer,
  type PgBouncer,
} from '../support/pgbouncer';

const binary = findPgBouncer();

/** The whole file needs the pgbouncer binary; without it, say so in the skipped suite's name. */
const suite = binary === undefined ? describe.skip : describe;
const title =
  binary === undefined
    ? 'PgBouncer in transaction mode (SKIPPED: no pgbouncer binary in /usr/sbin, /usr/bin or $PGBOUNCER; apt-get install pgbouncer)'
    : 'PgBouncer in transaction mode';

suite(title, () => {
  const cluster = useCluster();
  let bouncer: PgBouncer | undefined;
  const made: Client[] = [];

  beforeAll(async () => {
    if (binary === undefined) return;
    await cluster().admin('create table items (id int primary key, label text)');
    bouncer = await startPgBouncer(binary, cluster(), { poolSize: 2 });
  });
  afterAll(async () => {
    await bouncer?.stop();
  });
  afterEach(async () => {
    for (const client of made.splice(0)) await client.close();
  });

  /** A Client through PgBouncer, with unnamed statements only, as transaction pooling needs. */
  function bounced(options: ClientOptions = {}): Client {
    if (bouncer === undefined) throw new Error('no pgbouncer');
    const client = new Client(
      {
        host: '127.0.0.1',
        port: String(bouncer.port),
        dbname: 'postgres',
        user: cluster().user,
        sslmode: 'disable',
        application_name: 'rxpg-pgbouncer',
      },
      { env: CLEAN_ENV, statementCacheSize: 0, maxConnections: 6, ...options },
    );
    made.push(client);
    return client;
  }

  it('runs simple queries from more client connections than PgBouncer has server connections', async () => {
    const client = bounced();
    const rows = await lastValueFrom(
      range(1, 60).pipe(
        mergeMap((i) => client.query<{ n: number }>(`select ${i} as n, pg_sleep(0.005)`), 6),
        toArray(),
      ),
    );
    expect(rows.map((r) => r.n).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    // PgBouncer's own server connections are the only ones over TCP.
    const servers = await cluster().admin<{ n: string }>(
      "select count(*) as n from pg_stat_activity where client_addr = '127.0.0.1'",
    );
    expect(Number(servers[0]?.n)).toBeGreaterThanOrEqual(1);
    expect(Number(servers[0]?.n)).toBeLessThanOrEqual(2);
  });

  it('binds parameters with unnamed statements, however the server connections are shared', async () => {
    const client = bounced();
    const sums = await lastValueFrom(
      range(1, 200).pipe(
        mergeMap(
          (i) =>
            client.executeStatement<{ sum: number; label: string }>(
              'select $1::int + $2::int as sum, $3::text as label',
              [i, 1000, `item ${i}`],
            ),
          6,
        ),
        toArray(),
      ),
    );
    expect(sums).toHaveLength(200);
    for (const row of sums) expect(row.label).toBe(`item ${row.sum - 1000}`);
  });

  it('commits and rolls back transactions, each kept on one server connection', async () => {
    const client = bounced();
    const commits = range(1, 20).pipe(
      mergeMap(
        (i) =>
          client.transaction((tx) =>
            tx
              .executeStatement('insert into items (id, label) values ($1, $2) returning id', [
                i,
                `kept ${i}`,
              ])
              .pipe(
                mergeMap(() =>
                  tx.executeStatement<{ n: number }>(
                    'select count(*)::int as n from items where id = $1',
                    [i],
                  ),
                ),
              ),
          ),
        6,
      ),
      toArray(),
    );
    // Each transaction sees its own insert before committing.
    expect(await lastValueFrom(commits)).toEqual(Array.from({ length: 20 }, () => ({ n: 1 })));
    const failing = client.transaction((tx) =>
      tx
        .executeStatement('insert into items (id, label) values ($1, $2) returning id', [
          100,
          'dropped',
        ])
        .pipe(mergeMap(() => tx.query('select 1/0'))),
    );
    await expect(lastValueFrom(failing)).rejects.toMatchObject({ code: '22012' });
    const rows = await cluster().admin<{ n: string; dropped: string }>(
      "select count(*) as n, count(*) filter (where label = 'dropped') as dropped from items",
    );
    expect(rows[0]).toEqual({ n: '20', dropped: '0' });
  });

  // From 1.20 on PgBouncer tracks IntervalStyle itself (track_extra_parameters).
  it('PgBouncer before 1.20 refuses the IntervalStyle that rxpg sends unless told to ignore it', async () => {
    if (binary === undefined) return;
    const [major, minor] = pgBouncerVersion(binary);
    const tracksIt = major > 1 || minor >= 20;
    const strict = await startPgBouncer(binary, cluster(), { ignoreStartupParameters: [] });
    try {
      const client = new Client(
        { host: '127.0.0.1', port: String(strict.port), user: cluster().user, sslmode: 'disable' },
        { env: CLEAN_ENV, statementCacheSize: 0 },
      );
      made.push(client);
      const outcome = lastValueFrom(client.query<{ n: number }>('select 1 as n'));
      if (tracksIt) await expect(outcome).resolves.toEqual({ n: 1 });
      else {
        await expect(outcome).rejects.toMatchObject({
          code: '08P01',
          message: expect.stringContaining('IntervalStyle'),
        });
      }
    } finally {
      await strict.stop();
    }
  });

  it('a session setting never leaks to another client through a shared server connection', async () => {
    const client = bounced({ maxConnections: 1 });
    const seen = await lastValueFrom(
      client.transaction((tx) =>
        tx
          .query("select set_config('application_name', 'inside', true)")
          .pipe(
            mergeMap(() =>
              tx.query<{ name: string }>("select current_setting('application_name') as name"),
            ),
          ),
      ),
    );
    expect(seen).toEqual({ name: 'inside' });
    const after = await lastValueFrom(
      client.query<{ name: string }>("select current_setting('application_name') as name"),
    );
    expect(after.name).not.toBe('inside');
  });
});
