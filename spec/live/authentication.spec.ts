import { useCluster } from '../support/cluster';
import { outcome } from '../support/outcome';

const PASSWORD = 'pässwörd with spaces';

describe('authentication methods against a real server', () => {
  const cluster = useCluster({
    ssl: true,
    users: [
      { name: 'trusty', method: 'trust' },
      { name: 'clear', password: PASSWORD, method: 'password' },
      { name: 'md5user', password: PASSWORD, method: 'md5' },
      { name: 'scram', password: PASSWORD, method: 'scram-sha-256' },
    ],
  });

  const as = (user: string, extra: Record<string, string> = {}) =>
    outcome({ host: '127.0.0.1', port: cluster().port, dbname: 'postgres', user, ...extra });

  it.each(['disable', 'require'])('trust lets the user in (sslmode %s)', async (sslmode) => {
    expect(await as('trusty', { sslmode })).toBe(sslmode === 'disable' ? 'plaintext' : 'encrypted');
  });

  it.each(['clear', 'md5user', 'scram'])('%s logs in with the right password', async (user) => {
    expect(await as(user, { password: PASSWORD, sslmode: 'disable' })).toBe('plaintext');
    expect(await as(user, { password: PASSWORD, sslmode: 'require' })).toBe('encrypted');
  });

  it.each(['clear', 'md5user', 'scram'])('%s with a wrong password gets 28P01', async (user) => {
    expect(await as(user, { password: 'wrong', sslmode: 'disable' })).toBe('error:28P01');
  });

  it.each(['clear', 'md5user', 'scram'])(
    '%s without a password is told one is needed',
    async (user) => {
      expect(await as(user, { sslmode: 'disable' })).toBe('error:RXPG_PASSWORD_REQUIRED');
    },
  );

  it('scram over TLS binds the channel (SCRAM-SHA-256-PLUS) when required', async () => {
    expect(
      await as('scram', { password: PASSWORD, sslmode: 'require', channel_binding: 'require' }),
    ).toBe('encrypted');
  });

  it('channel_binding=require refuses a plaintext session before sending the password', async () => {
    expect(
      await as('scram', { password: PASSWORD, sslmode: 'disable', channel_binding: 'require' }),
    ).toBe('error:RXPG_AUTH_REFUSED');
  });

  it('a password from PGPASSWORD is used', async () => {
    const got = await outcome(
      {
        host: '127.0.0.1',
        port: cluster().port,
        dbname: 'postgres',
        user: 'scram',
        sslmode: 'disable',
      },
      { env: { HOME: '/nonexistent-rxpg-home', PGPASSWORD: PASSWORD } },
    );
    expect(got).toBe('plaintext');
  });
});
