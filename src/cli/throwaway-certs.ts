import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

import type * as ForgeModule from 'node-forge';

import { ThrowawayError, ThrowawayErrorCode } from './throwaway-error';

type Forge = typeof ForgeModule;

/** A CA and a server certificate it signed, as PEM text. */
export interface ThrowawayCertificates {
  /** The CA certificate: the client's root certificate (sslrootcert). */
  readonly ca: string;
  /** The server certificate for localhost, 127.0.0.1 and ::1. */
  readonly cert: string;
  /** The server's private key, unencrypted. */
  readonly key: string;
}

const RSA_BITS = 2048;
/** Covers clocks a little behind ours. */
const BACKDATE_MS = 60 * 60 * 1000;
/** The certificates live as long as a throwaway cluster could reasonably run. */
const VALID_MS = 30 * 24 * 60 * 60 * 1000;
/** subjectAltName kinds (RFC 5280 GeneralName tags). */
const DNS_NAME = 2;
const IP_ADDRESS = 7;

/**
 * Makes a fresh CA and a server certificate for localhost signed by it, so that a throwaway
 * server can be reached with sslmode=verify-full without an openssl binary. Needs the optional
 * package node-forge, loaded only here; without it, throws a {@link ThrowawayError} saying what
 * to install.
 *
 * @example
 * const { ca, cert, key } = await makeThrowawayCertificates();
 * const cluster = await startThrowaway({ ssl: { cert, key } });
 * // connect with sslmode=verify-full, host=localhost, and `ca` as the root certificate
 */
export async function makeThrowawayCertificates(): Promise<ThrowawayCertificates> {
  const forge = await loadForge();
  const [caKey, serverKey] = await Promise.all([newRsaKey(), newRsaKey()]);
  const ca = buildCertificate(forge, caKey, caKey, {
    subject: 'rxpg throwaway CA',
    issuer: 'rxpg throwaway CA',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = buildCertificate(forge, serverKey, caKey, {
    subject: 'localhost',
    issuer: 'rxpg throwaway CA',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: DNS_NAME, value: 'localhost' },
          { type: IP_ADDRESS, ip: '127.0.0.1' },
          { type: IP_ADDRESS, ip: '::1' },
        ],
      },
      {
        name: 'authorityKeyIdentifier',
        keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes(),
      },
    ],
  });
  const pem = forge.pki.certificateToPem;
  return { ca: pem(ca), cert: pem(server), key: serverKey };
}

async function loadForge(): Promise<Forge> {
  try {
    return await import('node-forge');
  } catch (cause) {
    throw new ThrowawayError(
      ThrowawayErrorCode.NoCertificateLibrary,
      'Making TLS certificates for a throwaway cluster needs the package node-forge',
      { cause, hint: 'Install it: npm install --save-dev node-forge' },
    );
  }
}

/** Node makes the key (natively, fast); node-forge only builds and signs the certificate. */
async function newRsaKey(): Promise<string> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: RSA_BITS });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

interface CertificateSpec {
  readonly subject: string;
  readonly issuer: string;
  readonly extensions: object[];
}

function buildCertificate(
  forge: Forge,
  keyPem: string,
  signerPem: string,
  spec: CertificateSpec,
): ForgeModule.pki.Certificate {
  const key = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  // Positive and unique: a leading 01 byte keeps the sign bit clear.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  const now = Date.now();
  cert.validity.notBefore = new Date(now - BACKDATE_MS);
  cert.validity.notAfter = new Date(now + VALID_MS);
  cert.setSubject([{ name: 'commonName', value: spec.subject }]);
  cert.setIssuer([{ name: 'commonName', value: spec.issuer }]);
  cert.setExtensions([...spec.extensions, { name: 'subjectKeyIdentifier' }]);
  cert.sign(forge.pki.privateKeyFromPem(signerPem), forge.md.sha256.create());
  return cert;
}
