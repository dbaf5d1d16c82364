import { ErrorCode, RxpgError } from '../errors';
import { loadCrypto } from './lazy-modules';

// DER tags met on the way to the signature algorithm.
const TAG_SEQUENCE = 0x30;
const TAG_OID = 0x06;
const TAG_CONTEXT_0 = 0xa0; // [0] EXPLICIT, constructed
const LONG_LENGTH = 0x80;
const MAX_LENGTH_BYTES = 4;

// Hash algorithm OIDs, and node's names for them.
const HASH_BY_OID: Readonly<Record<string, string>> = {
  '1.2.840.113549.2.5': 'md5',
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.4': 'sha224',
};

// Signature algorithm OIDs that name a single hash (RSA PKCS#1 v1.5, ECDSA, DSA).
const SIGNATURE_HASH_BY_OID: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.4': 'md5', // md5WithRSAEncryption
  '1.2.840.113549.1.1.5': 'sha1', // sha1WithRSAEncryption
  '1.2.840.113549.1.1.11': 'sha256', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': 'sha384', // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13': 'sha512', // sha512WithRSAEncryption
  '1.2.840.113549.1.1.14': 'sha224', // sha224WithRSAEncryption
  '1.2.840.10045.4.1': 'sha1', // ecdsa-with-SHA1
  '1.2.840.10045.4.3.1': 'sha224', // ecdsa-with-SHA224
  '1.2.840.10045.4.3.2': 'sha256', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': 'sha384', // ecdsa-with-SHA384
  '1.2.840.10045.4.3.4': 'sha512', // ecdsa-with-SHA512
  '1.2.840.10040.4.3': 'sha1', // dsa-with-sha1
  '2.16.840.1.101.3.4.3.1': 'sha224', // dsa-with-sha224
  '2.16.840.1.101.3.4.3.2': 'sha256', // dsa-with-sha256
};

const RSASSA_PSS = '1.2.840.113549.1.1.10';
const HASHLESS: Readonly<Record<string, string>> = {
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};

interface Tlv {
  tag: number;
  /** First byte of the contents. */
  start: number;
  /** One past the last byte of the contents. */
  end: number;
}

/**
 * The `tls-server-end-point` channel binding data of RFC 5929 for a server certificate:
 * its DER hashed with the hash of its signature algorithm, SHA-256 in place of MD5 and
 * SHA-1. Accepts a `tls.PeerCertificate` or an `X509Certificate` (both have `raw`).
 * Like libpq, refuses certificates whose signature has no hash (Ed25519, Ed448).
 *
 * @example
 * const binding = certificateHashForBinding(tlsSocket.getPeerX509Certificate() ?? fail());
 * new ScramSession(password, { mechanism: 'SCRAM-SHA-256-PLUS', channelBinding: binding });
 */
export function certificateHashForBinding(cert: { readonly raw: Buffer }): Buffer {
  const hash = bindingHashName(signatureAlgorithm(cert.raw), cert.raw);
  return loadCrypto().createHash(hash).update(cert.raw).digest();
}

/** The signatureAlgorithm field: its OID and, when present, the parameters' TLV. */
function signatureAlgorithm(der: Buffer): { oid: string; params: Tlv | undefined } {
  const certificate = readTlv(der, 0, der.length, TAG_SEQUENCE);
  const tbs = readTlv(der, certificate.start, certificate.end, TAG_SEQUENCE);
  const algorithm = readTlv(der, tbs.end, certificate.end, TAG_SEQUENCE);
  const oid = readTlv(der, algorithm.start, algorithm.end, TAG_OID);
  const params = oid.end < algorithm.end ? readTlv(der, oid.end, algorithm.end) : undefined;
  return { oid: decodeOid(der, oid), params };
}

function bindingHashName(algorithm: { oid: string; params: Tlv | undefined }, der: Buffer): string {
  const hash =
    algorithm.oid === RSASSA_PSS
      ? pssHash(der, algorithm.params)
      : SIGNATURE_HASH_BY_OID[algorithm.oid];
  if (hash === undefined) {
    const name = HASHLESS[algorithm.oid] ?? algorithm.oid;
    throw new RxpgError(
      ErrorCode.NotSupported,
      `channel binding is not possible with a server certificate signed with ${name}`,
      { hint: 'use channel_binding=disable, or a certificate signed with RSA or ECDSA' },
    );
  }
  // RFC 5929 section 4.1: MD5 and SHA-1 are replaced by SHA-256.
  return hash === 'md5' || hash === 'sha1' ? 'sha256' : hash;
}

/** RSASSA-PSS-params: [0] hashAlgorithm, SHA-1 when absent (RFC 4055). */
function pssHash(der: Buffer, params: Tlv | undefined): string | undefined {
  if (params === undefined || params.tag !== TAG_SEQUENCE || params.start === params.end) {
    return 'sha1';
  }
  const first = readTlv(der, params.start, params.end);
  if (first.tag !== TAG_CONTEXT_0) {
    return 'sha1';
  }
  const hashAlgorithm = readTlv(der, first.start, first.end, TAG_SEQUENCE);
  return HASH_BY_OID[decodeOid(der, readTlv(der, hashAlgorithm.start, hashAlgorithm.end, TAG_OID))];
}

function readTlv(der: Buffer, offset: number, limit: number, expectedTag?: number): Tlv {
  if (offset + 2 > limit) {
    malformed();
  }
  const tag = der[offset];
  if (expectedTag !== undefined && tag !== expectedTag) {
    malformed();
  }
  let length = der[offset + 1];
  let start = offset + 2;
  if (length & LONG_LENGTH) {
    // DER has no indefinite length (0x80); a certificate needs at most 4 length bytes.
    const count = length & ~LONG_LENGTH;
    if (count === 0 || count > MAX_LENGTH_BYTES || start + count > limit) {
      malformed();
    }
    length = der.readUIntBE(start, count);
    start += count;
  }
  if (start + length > limit) {
    malformed();
  }
  return { tag, start, end: start + length };
}

/** Dotted form of an OBJECT IDENTIFIER: base-128 arcs, the first byte holding two. */
function decodeOid(der: Buffer, oid: Tlv): string {
  const arcs: number[] = [];
  let value = 0;
  let open = false; // inside an arc whose last byte has not come yet
  for (let at = oid.start; at < oid.end; at++) {
    value = value * 128 + (der[at] & 0x7f);
    open = (der[at] & 0x80) !== 0;
    if (!open) {
      if (arcs.length === 0) {
        const first = Math.min(2, Math.floor(value / 40));
        arcs.push(first, value - first * 40);
      } else {
        arcs.push(value);
      }
      value = 0;
    }
  }
  if (arcs.length === 0 || open) {
    malformed();
  }
  return arcs.join('.');
}

function malformed(): never {
  throw new RxpgError(
    ErrorCode.SaslFailed,
    'cannot read the signature algorithm of the server certificate for channel binding',
  );
}
