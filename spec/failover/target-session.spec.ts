import { firstValueFrom, lastValueFrom, switchMap, take, toArray } from 'rxjs';
import { freePort } from '../../src/cli/throwaway-server';
import { Client } from '../../src/client/client';
import { connect } from '../../src/connection/connect';
import { RxpgError } from '../../src/errors';
import { startCluster, type Cluster } from '../support/cluster';
import { CLEAN_ENV } from '../support/outcome';
import { PRIMARY_HBA, startReplica, type Replica } from '../support/replica';

/** Where a session landed: the server's port, and whether it is a standby. */
interface Landing {
  readonly port: number;
  readonly recovery: boolean;
}

const WHERE = "select current_setting('port')::int as port, pg_is_in_recovery() as recovery";

function params(ports: readonly number[], attrs: string, extra: Record<string, string> = {}) {
  return {
    host: ports.map(() => '127.0.0.1').join(','),
    port: ports.join(','),
    dbname: 'postgres',
    user: 'postgres',
    sslmode: 'disable',
    target_session_attrs: attrs,
    application_name: 'rxpg-failover',
    ...extra,
  };
}

function landing(ports: readonly number[], attrs: string): Promise<Landing> {
  return firstValueFrom(
    connect(params(ports, attrs), { env: CLEAN_ENV }).pipe(
      switchMap((conn) => conn.query<Landing>(WHERE)),
      take(1),
    ),
  );
}

async function sessionsOf(server: { admin: Cluster['admin'] }): Promise<number> {
  const rows = await server.admin<{ n: string }>(
    "select count(*) as n from pg_stat_activity where application_name = 'rxpg-failover'",
  );
  return Number(rows[0]?.n ?? 0);
}

async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('target_session_attrs with a real primary and hot standby', () => {
  let primary: Cluster | undefined;
  let replica: Replica | undefined;
  const servers = () => {
    if (primary === undefined || replica === undefined) throw new Error('no servers');
    return { primary, replica, p: primary.port, r: replica.port };
  };

  beforeAll(async () => {
    primary = await startCluster({ hba: PRIMARY_HBA });
    replica = await startReplica(primary);
  });
  afterAll(async () => {
    await replica?.stop();
    await primary?.stop();
  });

  it('read-write and primary find the primary whichever order the hosts are listed in', async () => {
    const { p, r } = servers();
    for (const attrs of ['read-write', 'primary']) {
      expect(await landing([r, p], attrs)).toEqual({ port: p, recovery: false });
      expect(await landing([p, r], attrs)).toEqual({ port: p, recovery: false });
    }
  });

  it('standby, prefer-standby and read-only find the replica whichever order', async () => {
    const { p, r } = servers();
    for (const attrs of ['standby', 'prefer-standby', 'read-only']) {
      expect(await landing([p, r], attrs)).toEqual({ port: r, recovery: true });
      expect(await landing([r, p], attrs)).toEqual({ port: r, recovery: true });
    }
  });

  it('load_balance_hosts=random still lands where target_session_attrs says, and spreads any', async () => {
    const { p, r } = servers();
    const land = (attrs: string) =>
      firstValueFrom(
        connect(params([p, r], attrs, { load_balance_hosts: 'random' }), { env: CLEAN_ENV }).pipe(
          switchMap((conn) => conn.query<Landing>(WHERE)),
          take(1),
        ),
      );
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) {
      expect(await land('read-write')).toEqual({ port: p, recovery: false });
      expect(await land('standby')).toEqual({ port: r, recovery: true });
      seen.add((await land('any')).port);
    }
    // Twenty draws of two hosts all alike: about one chance in half a million.
    expect([...seen].sort()).toEqual([p, r].sort());
  });

  it('any takes the first host that answers', async () => {
    const { p, r } = servers();
    expect(await landing([r, p], 'any')).toEqual({ port: r, recovery: true });
    expect(await landing([p, r], 'any')).toEqual({ port: p, recovery: false });
  });

  it('prefer-standby settles for the primary in a second pass when no standby answers', async () => {
    const { p } = servers();
    expect(await landing([p], 'prefer-standby')).toEqual({ port: p, recovery: false });
  });

  it('skips hosts that cannot be reached on the way to a matching one', async () => {
    const { p, r } = servers();
    // A port of 127.0.0.1 that was free a moment ago: refused at once.
    const dead = await freePort();
    expect(await landing([dead, p, r], 'standby')).toEqual({ port: r, recovery: true });
  });

  it('fails with RXPG_CONNECT_FAILED naming each refusal when no host matches', async () => {
    const { p, r } = servers();
    const standby = firstValueFrom(connect(params([p], 'standby'), { env: CLEAN_ENV }));
    await expect(standby).rejects.toMatchObject({
      code: 'RXPG_CONNECT_FAILED',
      message: expect.stringContaining(`127.0.0.1:${p}: server is not in hot standby mode`),
    });
    const readWrite = firstValueFrom(connect(params([r], 'read-write'), { env: CLEAN_ENV }));
    await expect(readWrite).rejects.toBeInstanceOf(RxpgError);
    await expect(readWrite).rejects.toMatchObject({
      message: expect.stringContaining('session is read-only'),
    });
  });

  it('closes the session of a host that did not match', async () => {
    const { p, r, primary } = servers();
    const conn = await new Promise<{ close: () => void }>((resolve, reject) => {
      const subscription = connect(params([p, r], 'standby'), { env: CLEAN_ENV }).subscribe({
        next: () => resolve({ close: () => subscription.unsubscribe() }),
        error: reject,
      });
    });
    try {
      await eventually(async () => (await sessionsOf(primary)) === 0);
    } finally {
      conn.close();
    }
  });

  it('a matched connection that the server ends later fails with its own code, not the refusals before it', async () => {
    const { p, r, primary } = servers();
    const ended = new Promise<unknown>((resolve) => {
      const subscription = connect(params([r, p], 'read-write'), { env: CLEAN_ENV }).subscribe({
        next: (conn) => {
          void primary.admin('select pg_terminate_backend($1)', [conn.processId]);
        },
        error: (error: unknown) => {
          resolve(error);
          subscription.unsubscribe();
        },
      });
    });
    expect(await ended).toMatchObject({ code: 'RXPG_CONNECTION_CLOSED' });
  });

  it('a read-write Client with the standby listed first runs its queries on the primary', async () => {
    const { p, r } = servers();
    const client = new Client(params([r, p], 'read-write'), { env: CLEAN_ENV, maxConnections: 3 });
    try {
      const rows = await lastValueFrom(
        client.query<Landing>(WHERE).pipe(
          switchMap(() => client.query<Landing>(WHERE)),
          toArray(),
        ),
      );
      expect(rows).toEqual([{ port: p, recovery: false }]);
    } finally {
      await client.close();
    }
  });
});

describe('failover: the primary stops and the standby is promoted', () => {
  let primary: Cluster | undefined;
  let replica: Replica | undefined;

  beforeAll(async () => {
    primary = await startCluster({ hba: PRIMARY_HBA });
    await primary.admin('create table events (id serial primary key, note text)');
    replica = await startReplica(primary);
  });
  afterAll(async () => {
    await replica?.stop();
    await primary?.stop();
  });

  it('a read-write Client with both hosts carries on with new queries on the promoted standby', async () => {
    if (primary === undefined || replica === undefined) throw new Error('no servers');
    const client = new Client(params([primary.port, replica.port], 'read-write'), {
      env: CLEAN_ENV,
      maxConnections: 2,
    });
    const insert = (note: string) =>
      lastValueFrom(
        client.executeStatement<Landing>(
          `insert into events (note) values ($1) returning current_setting('port')::int as port, pg_is_in_recovery() as recovery`,
          [note],
        ),
      );
    try {
      expect(await insert('before')).toEqual({ port: primary.port, recovery: false });
      // The write reached the standby before the primary goes.
      await eventually(async () => {
        const rows = await replica?.admin<{ n: string }>('select count(*) as n from events');
        return rows?.[0]?.n === '1';
      });
      await primary.stop();
      await replica.promote();

      // Connections to the old primary break; the pool replaces them with the new primary.
      let landed: Landing | undefined;
      for (let attempt = 0; attempt < 5 && landed === undefined; attempt++) {
        landed = await insert('after').catch(() => undefined);
      }
      expect(landed).toEqual({ port: replica.port, recovery: false });
      for (let i = 0; i < 10; i++) {
        expect(await insert(`more ${i}`)).toEqual({ port: replica.port, recovery: false });
      }
      const rows = await replica.admin<{ n: string }>(
        "select count(*) as n from events where note <> 'before'",
      );
      expect(Number(rows[0]?.n)).toBeGreaterThanOrEqual(11);
    } finally {
      await client.close();
    }
  });
});
