import { createHash, X509Certificate } from 'node:crypto';

import { readCert } from '../../support/certs';
import { authCleartext, authMd5, authOk, authSasl, sessionStart } from './backend-messages';
import { askAndWait, attempt, noPasswordMessage, passwordNeverSeen, scramScript } from './exchange';
import { fakeServer, type FakeServer, type FakeSession } from './fake-server';

const PLUS = 'SCRAM-SHA-256-PLUS';
const SCRAM = 'SCRAM-SHA-256';

/** tls-server-end-point of server.crt (signed with SHA-256, so hashed with SHA-256). */
const SERVER_CERT_HASH = createHash('sha256')
  .update(new X509Certificate(readCert('server.crt')).raw)
  .digest();

const overTls = { sslmode: 'require' } as const;
const plaintext = { sslmode: 'disable' } as const;

describe('SCRAM channel binding against a scripted server', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('binds to the server certificate with SCRAM-SHA-256-PLUS when TLS is on and it is offered', async () => {
    const { script, exchanges } = scramScript([PLUS, SCRAM]);
    server = await fakeServer(script, { ssl: 'S' });
    expect(await attempt(server, overTls)).toBe('connected');
    const [exchange] = exchanges;
    expect(exchange.mechanism).toBe(PLUS);
    expect(exchange.gs2Header).toBe('p=tls-server-end-point,,');
    expect(exchange.binding).toEqual(
      Buffer.concat([Buffer.from('p=tls-server-end-point,,'), SERVER_CERT_HASH]),
    );
    expect(exchange.proofValid).toBe(true);
  });

  it("sends the 'y' flag over TLS when the server offers no -PLUS, so a stripped offer shows", async () => {
    const { script, exchanges } = scramScript([SCRAM]);
    server = await fakeServer(script, { ssl: 'S' });
    expect(await attempt(server, overTls)).toBe('connected');
    expect(exchanges[0].mechanism).toBe(SCRAM);
    expect(exchanges[0].gs2Header).toBe('y,,');
  });

  it("sends 'n' and plain SCRAM-SHA-256 with channel_binding=disable, though -PLUS is offered", async () => {
    const { script, exchanges } = scramScript([PLUS, SCRAM]);
    server = await fakeServer(script, { ssl: 'S' });
    expect(await attempt(server, { ...overTls, channel_binding: 'disable' })).toBe('connected');
    expect(exchanges[0].mechanism).toBe(SCRAM);
    expect(exchanges[0].gs2Header).toBe('n,,');
  });

  it("sends 'n' over plaintext", async () => {
    const { script, exchanges } = scramScript([SCRAM]);
    server = await fakeServer(script);
    expect(await attempt(server, plaintext)).toBe('connected');
    expect(exchanges[0].gs2Header).toBe('n,,');
  });

  it('refuses -PLUS offered over plaintext (something rewrote the exchange) before answering', async () => {
    server = await fakeServer((session) => askAndWait(session, authSasl([PLUS, SCRAM])));
    expect(await attempt(server, plaintext)).toBe('error:RXPG_AUTH_REFUSED');
    expect(noPasswordMessage(server)).toBe(true);
  });

  it('with channel_binding=require, completes SCRAM-SHA-256-PLUS', async () => {
    const { script, exchanges } = scramScript([PLUS, SCRAM]);
    server = await fakeServer(script, { ssl: 'S' });
    expect(await attempt(server, { ...overTls, channel_binding: 'require' })).toBe('connected');
    expect(exchanges[0].mechanism).toBe(PLUS);
  });

  describe.each([
    ['TLS', 'S', overTls],
    ['plaintext', 'N', plaintext],
  ] as const)('with channel_binding=require over %s', (_name, ssl, params) => {
    const require = { ...params, channel_binding: 'require' };
    const never = async (script: (session: FakeSession) => Promise<void>): Promise<void> => {
      server = await fakeServer(script, { ssl });
      expect(await attempt(server, require)).toBe('error:RXPG_AUTH_REFUSED');
      expect(noPasswordMessage(server)).toBe(true);
      expect(passwordNeverSeen(server)).toBe(true);
    };

    it('never sends the password to a server asking for md5', async () => {
      await never((session) => askAndWait(session, authMd5()));
    });

    it('never sends the password to a server asking for it in cleartext', async () => {
      await never((session) => askAndWait(session, authCleartext()));
    });

    it('refuses SCRAM without -PLUS before sending anything', async () => {
      await never((session) => askAndWait(session, authSasl([SCRAM])));
    });

    it('refuses a server that lets it in without authentication (trust)', async () => {
      await never((session) => askAndWait(session, Buffer.concat([authOk(), sessionStart()])));
    });
  });

  it('with channel_binding=require, refuses a server that skips SASLFinal', async () => {
    const { script } = scramScript([PLUS, SCRAM], { skipFinal: true });
    server = await fakeServer(script, { ssl: 'S' });
    expect(await attempt(server, { ...overTls, channel_binding: 'require' })).toBe(
      'error:RXPG_SASL_FAILED',
    );
  });
});
