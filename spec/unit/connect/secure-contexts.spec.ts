import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withSharedContext } from '../../../src/connect/secure-contexts';

const certs = join(__dirname, '../../fixtures/certs');
const read = (name: string) => readFileSync(join(certs, name));

describe('withSharedContext', () => {
  const root = read('root.crt');
  const other = read('other-ca.crt');

  it('gives connections with the same material one secure context, and keeps the rest', () => {
    const check = () => undefined;
    const first = withSharedContext({ ca: [root], servername: 'db', checkServerIdentity: check });
    const second = withSharedContext({ ca: [Buffer.from(root)], servername: 'other' });
    expect(first.secureContext).toBeDefined();
    expect(second.secureContext).toBe(first.secureContext);
    expect(first).not.toHaveProperty('ca');
    expect(first).toMatchObject({ servername: 'db', checkServerIdentity: check });
  });

  it('makes another context when any of the material differs', () => {
    const base = withSharedContext({ ca: [root] }).secureContext;
    const variants = [
      { ca: [other] },
      { ca: [root, other] },
      { ca: [root], crl: [read('root.crl')] },
      { ca: [root], minVersion: 'TLSv1.3' as const },
      { ca: [root], cert: read('client.crt'), key: read('client.key') },
      // The same bytes as text are the same certificate to OpenSSL, but not to the key: apart.
      { ca: [root.toString('latin1')] },
    ];
    const contexts = variants.map((options) => withSharedContext(options).secureContext);
    for (const context of contexts) expect(context).not.toBe(base);
    expect(new Set(contexts).size).toBe(variants.length);
  });

  it('leaves material that is not text or bytes (a key with its passphrase) to Node, unshared', () => {
    const options = { cert: read('client.crt'), key: [{ pem: read('client.key') }] };
    expect(withSharedContext(options)).toBe(options);
  });

  it('fails like tls.connect on material OpenSSL cannot read', () => {
    expect(() =>
      withSharedContext({ ca: [root], cert: 'not a certificate', key: 'nor a key' }),
    ).toThrow();
  });
});
