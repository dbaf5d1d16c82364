import type { KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync, statSync, type Stats } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';

import type { ConnectConfig } from '../config/types';
import { ErrorCode, RxpgError } from '../errors';
import { loadCrypto } from './lazy-modules';
import type { TlsMaterial } from './tls-material';

/** The parts of `tls.connect` options that present a client certificate. */
export type ClientCertificate = Pick<ConnectionOptions, 'cert' | 'key'>;

// Permission bits libpq tests on a key file (sys/stat.h).
const GROUP_OR_OTHER = 0o077; // S_IRWXG | S_IRWXO
const GROUP_WRITE_EXECUTE_OR_OTHER = 0o037; // S_IWGRP | S_IXGRP | S_IRWXO
const ROOT_UID = 0;

/**
 * The client certificate to present, found as libpq finds it:
 * - none with sslcertmode=disable, or when the certificate file does not exist (a missing
 *   file, given or default, means no certificate; the server may still accept);
 * - otherwise the key must exist, be a regular file, and be private: mode 0600 or less, or
 *   0640 or less when owned by root (for keys shared through a group);
 * - an encrypted key is opened with sslpassword, and must belong to the certificate.
 * The `tls` option's cert and key, when given, are used instead of the files.
 * Throws RXPG_CLIENT_CERT_FAILED with libpq's wording when something is wrong.
 */
export function clientCertificate(
  config: ConnectConfig,
  material: TlsMaterial | undefined,
): ClientCertificate {
  if (config.sslcertmode === 'disable') return {};
  if (material?.cert !== undefined && material.key !== undefined) {
    return givenCertificate(material, material.passphrase ?? config.sslpassword);
  }
  const certPath = config.sslcert;
  if (certPath === '' || statOrMissing(certPath, 'could not open certificate file') === undefined) {
    return {};
  }
  const cert = readOrFail(certPath, 'could not read certificate file');
  const keyPath = config.sslkey;
  const keyStats = statOrMissing(keyPath, 'could not stat private key file');
  if (keyPath === '' || keyStats === undefined) {
    throw failed(`certificate present, but not private key file "${keyPath}"`);
  }
  if (!keyStats.isFile()) throw failed(`private key file "${keyPath}" is not a regular file`);
  checkPrivate(keyPath, keyStats);
  const keyBytes = readOrFail(keyPath, 'could not load private key file');
  return matched(certPath, cert, keyPath, openKey(keyPath, keyBytes, config.sslpassword));
}

/** The `tls` option's certificate; a PEM or DER key in one piece is checked like a file. */
function givenCertificate(material: TlsMaterial, passphrase?: string): ClientCertificate {
  const { cert, key } = material;
  if (
    (typeof cert === 'string' || Buffer.isBuffer(cert)) &&
    (typeof key === 'string' || Buffer.isBuffer(key))
  ) {
    const certBytes = Buffer.from(cert);
    return matched(
      'tls.cert',
      certBytes,
      'tls.key',
      openKey('tls.key', Buffer.from(key), passphrase),
    );
  }
  return { cert, key, ...(passphrase === undefined ? {} : { passphrase }) };
}

/** Checks that the key belongs to the certificate, as libpq's SSL_check_private_key. */
function matched(
  certName: string,
  cert: Buffer,
  keyName: string,
  key: KeyObject,
): ClientCertificate {
  if (!certificate(certName, cert).checkPrivateKey(key)) {
    throw failed(`certificate does not match private key file "${keyName}"`);
  }
  // Decrypted once here, so that tls.connect needs no passphrase.
  return { cert, key: key.export({ type: 'pkcs8', format: 'pem' }) };
}

/** The file's stats, or undefined when it does not exist; other errors fail. */
function statOrMissing(path: string, failure: string): Stats | undefined {
  if (path === '') return undefined;
  try {
    return statSync(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return undefined;
    throw failed(`${failure} "${path}": ${errorText(error)}`, error);
  }
}

/**
 * libpq refuses a key that others may read: group or other bits set, except that a file
 * owned by root may be readable by its group. Windows has no such modes to check.
 */
function checkPrivate(path: string, stats: Stats): void {
  if (process.platform === 'win32') return;
  const forbidden = stats.uid === ROOT_UID ? GROUP_WRITE_EXECUTE_OR_OTHER : GROUP_OR_OTHER;
  if ((stats.mode & forbidden) !== 0) {
    throw failed(
      `private key file "${path}" has group or world access; file must have permissions ` +
        'u=rw (0600) or less if owned by the current user, or permissions u=rw,g=r (0640) ' +
        'or less if owned by root',
      undefined,
      `chmod 600 "${path}"`,
    );
  }
}

/** The key, PEM or else DER as libpq tries them, decrypted with the passphrase. */
function openKey(path: string, bytes: Buffer, passphrase: string | undefined): KeyObject {
  const { createPrivateKey } = loadCrypto();
  try {
    return createPrivateKey({ key: bytes, format: 'pem', passphrase });
  } catch (pemError) {
    for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
      try {
        return createPrivateKey({ key: bytes, format: 'der', type, passphrase });
      } catch {
        // Not this encoding either; the PEM error is the one worth reporting.
      }
    }
    const encrypted = bytes.includes('ENCRYPTED');
    throw failed(
      `could not load private key file "${path}": ${errorText(pemError)}`,
      pemError,
      encrypted ? 'the key is encrypted: give its passphrase as sslpassword' : undefined,
    );
  }
}

function certificate(path: string, bytes: Buffer): X509Certificate {
  try {
    return new (loadCrypto().X509Certificate)(bytes);
  } catch (error) {
    throw failed(`could not read certificate file "${path}": ${errorText(error)}`, error);
  }
}

function readOrFail(path: string, failure: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw failed(`${failure} "${path}": ${errorText(error)}`, error);
  }
}

function failed(message: string, cause?: unknown, hint?: string): RxpgError {
  return new RxpgError(ErrorCode.ClientCertificateFailed, message, { cause, hint });
}

// Duck-typed: errors of node:fs may come from another realm (a test sandbox, a worker).
function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}

function errorText(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String(error.message);
  }
  return String(error);
}
