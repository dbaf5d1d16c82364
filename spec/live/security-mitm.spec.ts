/**
 * Men in the middle before a real server that asks for passwords: what rxpg refuses, and that
 * the password never reaches the man in the middle when it refuses.
 */
import { startFront, type Front, type FrontBehaviour } from '../libpq/fronts';
import { CERT_DIR } from '../support/certs';
import { useCluster } from '../support/cluster';
import { outcome } from '../support/outcome';

const PASSWORD = 'pässwörd s3cret for the proxy';
const USERS = ['clear', 'md5user', 'scram'] as const;

describe('men in the middle before a server that asks for a password', () => {
  const cluster = useCluster({
    ssl: true,
    users: [
      { name: 'clear', password: PASSWORD, method: 'password' },
      { name: 'md5user', password: PASSWORD, method: 'md5' },
      { name: 'scram', password: PASSWORD, method: 'scram-sha-256' },
    ],
  });
  const fronts: Front[] = [];

  afterAll(async () => {
    await Promise.all(fronts.map((front) => front.close()));
  });

  async function front(behaviour: FrontBehaviour): Promise<Front> {
    const started = await startFront(behaviour, cluster().port);
    fronts.push(started);
    return started;
  }

  function through(proxy: Front, user: string, params: Record<string, string>) {
    return outcome({
      host: 'localhost',
      port: proxy.port,
      user,
      dbname: 'postgres',
      password: PASSWORD,
      sslrootcert: `${CERT_DIR}/root.crt`,
      ...params,
    });
  }

  function passwordReached(proxy: Front): boolean {
    const secret = Buffer.from(PASSWORD);
    return proxy.received.some((bytes) => bytes.includes(secret));
  }

  describe.each(USERS)('as %s', (user) => {
    it.each(['require', 'verify-ca', 'verify-full'])(
      "a TLS-stripping proxy ('N') gets neither startup nor password under sslmode=%s",
      async (sslmode) => {
        const proxy = await front('strip');
        expect(await through(proxy, user, { sslmode })).toBe('error:RXPG_SSL_REQUIRED');
        expect(passwordReached(proxy)).toBe(false);
        expect(proxy.received.every((bytes) => bytes.length === 8)).toBe(true);
      },
    );

    it('under prefer the stripping proxy wins: plaintext, as libpq (prefer does not protect)', async () => {
      const proxy = await front('strip');
      expect(await through(proxy, user, { sslmode: 'prefer' })).toBe('plaintext');
    });

    it('under prefer with channel_binding=require, the stripped session never carries the password', async () => {
      const proxy = await front('strip');
      expect(await through(proxy, user, { sslmode: 'prefer', channel_binding: 'require' })).toBe(
        'error:RXPG_AUTH_REFUSED',
      );
      expect(passwordReached(proxy)).toBe(false);
    });

    it.each(['prefer', 'require', 'verify-full'])(
      "plaintext injected after 'S' fails once the relayed handshake succeeds (sslmode=%s)",
      async (sslmode) => {
        const proxy = await front('inject-relay');
        expect(await through(proxy, user, { sslmode })).toBe('error:RXPG_SSL_INJECTED_BYTES');
      },
    );
  });

  it('the password is sent over the real TLS session when nothing is in the middle', async () => {
    const got = await outcome({
      host: 'localhost',
      port: cluster().port,
      user: 'scram',
      dbname: 'postgres',
      password: PASSWORD,
      sslmode: 'verify-full',
      sslrootcert: `${CERT_DIR}/root.crt`,
      channel_binding: 'require',
    });
    expect(got).toBe('encrypted');
  });
});
