import { lastValueFrom, of, toArray } from 'rxjs';
import { Client } from '../../src/client/client';
import { connect } from '../../src/connection/connect';
import { withConnection } from '../../src/connection/with-connection';
import { ErrorCode } from '../../src/errors';
import { useCluster } from '../support/cluster';
import { CLEAN_ENV } from '../support/outcome';

const SECRET = 'token-of-the-hour';

describe('a password given as a function', () => {
  const cluster = useCluster({
    users: [{ name: 'tokenuser', password: SECRET, method: 'scram-sha-256' }],
  });
  const params = () => ({
    host: '127.0.0.1',
    port: cluster().port,
    user: 'tokenuser',
    dbname: 'postgres',
    sslmode: 'disable',
  });

  it('is called for every new connection of a Client, as a Promise', async () => {
    let calls = 0;
    const client = new Client(
      { ...params(), password: async () => (calls++, SECRET) },
      { env: CLEAN_ENV, maxConnections: 2 },
    );
    try {
      const rows = await Promise.all(
        [1, 2].map((n) =>
          lastValueFrom(
            client.query<{ n: number }>(`select ${n} as n, pg_sleep(0.1)`).pipe(toArray()),
          ),
        ),
      );
      expect(rows.map((r) => r[0].n)).toEqual([1, 2]);
      expect(calls).toBe(2);
    } finally {
      await client.close();
    }
  });

  it('may be an Observable or a plain string', async () => {
    for (const password of [() => of(SECRET), () => SECRET]) {
      const rows = await lastValueFrom(
        withConnection({ ...params(), password }, (conn) => conn.query('select 1 as one'), {
          env: CLEAN_ENV,
        }).pipe(toArray()),
      );
      expect(rows).toEqual([{ one: 1 }]);
    }
  });

  it('failing gives a coded error and opens nothing', async () => {
    const failing = connect(
      { ...params(), password: () => Promise.reject(new Error('vault down')) },
      { env: CLEAN_ENV },
    );
    await expect(lastValueFrom(failing)).rejects.toMatchObject({
      code: ErrorCode.PasswordSourceFailed,
    });
  });
});
