import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { certificateHashForBinding } from '../../../src/connect/channel-binding';
import { ErrorCode, RxpgError } from '../../../src/errors';

const certificate = (name: string) =>
  new X509Certificate(readFileSync(join(__dirname, 'fixtures', `${name}.pem`)));
const digest = (hash: string, data: Buffer) => createHash(hash).update(data).digest();

describe('certificateHashForBinding (tls-server-end-point, RFC 5929)', () => {
  it.each([
    ['rsa-sha256', 'sha256'],
    ['rsa-sha512', 'sha512'],
    ['ecdsa-sha256', 'sha256'],
    ['ecdsa-sha384', 'sha384'],
    ['rsa-pss-sha384', 'sha384'],
  ])('hashes a %s certificate with its own hash, %s', (name, hash) => {
    const cert = certificate(name);
    expect(certificateHashForBinding(cert)).toEqual(digest(hash, cert.raw));
  });

  it.each([['rsa-sha1'], ['rsa-md5'], ['rsa-pss-sha1']])(
    'hashes a %s certificate with SHA-256 instead',
    (name) => {
      const cert = certificate(name);
      const hash = certificateHashForBinding(cert);
      expect(hash).toEqual(digest('sha256', cert.raw));
      // The same value the certificate's own SHA-256 fingerprint shows.
      expect(hash.toString('hex')).toBe(cert.fingerprint256.replace(/:/g, '').toLowerCase());
    },
  );

  it('accepts a peer certificate object that only has raw', () => {
    const raw = certificate('rsa-sha256').raw;
    expect(certificateHashForBinding({ raw })).toEqual(digest('sha256', raw));
  });

  it('refuses an Ed25519 certificate as not supported, as libpq does', () => {
    const call = () => certificateHashForBinding(certificate('ed25519'));
    expect(call).toThrow(RxpgError);
    expect(call).toThrow(
      expect.objectContaining({
        code: ErrorCode.NotSupported,
        message: expect.stringMatching(/Ed25519/),
      }),
    );
  });

  it('refuses a certificate whose signature algorithm it does not know', () => {
    const raw = Buffer.from(certificate('rsa-sha256').raw);
    // sha256WithRSAEncryption ends in arc 11; make it the unassigned arc 99.
    const oid = Buffer.from('06092a864886f70d01010b', 'hex');
    const at = raw.lastIndexOf(oid);
    raw[at + oid.length - 1] = 99;
    expect(() => certificateHashForBinding({ raw })).toThrow(
      expect.objectContaining({
        code: ErrorCode.NotSupported,
        message: expect.stringMatching(/1\.2\.840\.113549\.1\.1\.99/),
      }),
    );
  });

  it.each([
    ['empty bytes', Buffer.alloc(0)],
    ['not a sequence', Buffer.from([0x04, 0x01, 0x00])],
    ['a length past the end', Buffer.from([0x30, 0x82, 0xff, 0xff, 0x30])],
    ['an indefinite length', Buffer.from([0x30, 0x80, 0x00, 0x00])],
    ['a truncated certificate', certificate('rsa-sha256').raw.subarray(0, 200)],
    ['a sequence with no signature algorithm', Buffer.from([0x30, 0x02, 0x30, 0x00])],
  ])('refuses %s as unreadable', (_name, raw) => {
    expect(() => certificateHashForBinding({ raw })).toThrow(
      expect.objectContaining({ code: ErrorCode.SaslFailed }),
    );
  });
});
