import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';

import { sslModeAtLeast, type ConnectConfig } from '../config/types';
import { ErrorCode, RxpgError } from '../errors';
import { loadTls } from './lazy-modules';
import type { TlsMaterial } from './tls-material';

/** The parts of `tls.connect` options that decide whether the server's chain is trusted. */
export type ServerTrust = Pick<ConnectionOptions, 'ca' | 'crl' | 'rejectUnauthorized'>;

/** OpenSSL's names for CRLs in a hashed folder (`c_rehash`): issuer hash, `.r`, a number. */
const HASHED_CRL_NAME = /^[0-9a-f]{8}\.r[0-9]+$/;

/**
 * Where trust in the server's certificate comes from, as libpq decides it:
 * - sslrootcert=system: the system's roots (Node's bundled store), chain checked; no CRLs;
 * - a root certificate file that exists (given, or ~/.postgresql/root.crt): chain checked in
 *   every sslmode, so `require` with a root file behaves as verify-ca; then the CRLs of
 *   sslcrl (default ~/.postgresql/root.crl) and sslcrldir apply, when they exist;
 * - no root file: verify-ca and verify-full refuse to go on; weaker modes check nothing.
 * The `tls` option's `ca` counts as a root file, and its `crl` is added to the CRLs.
 */
export function serverTrust(config: ConnectConfig, material: TlsMaterial | undefined): ServerTrust {
  const extraCa = list(material?.ca);
  const extraCrl = list(material?.crl);
  if (config.sslrootcert === 'system') {
    // Node replaces its default roots when `ca` is given, so they are added back.
    const ca = extraCa.length > 0 ? [...loadTls().rootCertificates, ...extraCa] : undefined;
    return { ca, crl: orNone(extraCrl), rejectUnauthorized: true };
  }
  const rootFile = exists(config.sslrootcert) ? [readRoot(config.sslrootcert)] : [];
  if (rootFile.length > 0 || extraCa.length > 0) {
    const crl = [...revocationLists(config), ...extraCrl];
    return { ca: [...rootFile, ...extraCa], crl: orNone(crl), rejectUnauthorized: true };
  }
  if (sslModeAtLeast(config.sslmode, 'verify-ca')) {
    throw new RxpgError(
      ErrorCode.NoRootCertificate,
      `root certificate file "${config.sslrootcert}" does not exist`,
      {
        hint:
          'either provide the file, use the system trust store with sslrootcert=system, ' +
          'or change sslmode to disable server certificate verification',
      },
    );
  }
  return { rejectUnauthorized: false };
}

/**
 * sslcrl and sslcrldir; a file or folder that does not exist is ignored, as in libpq.
 * From the folder, the files named as OpenSSL's hashed lookup names them.
 */
function revocationLists(config: ConnectConfig): Buffer[] {
  const lists: Buffer[] = [];
  if (config.sslcrl !== undefined && isFile(config.sslcrl)) lists.push(readFileSync(config.sslcrl));
  if (config.sslcrldir !== undefined && isFolder(config.sslcrldir)) {
    for (const name of readdirSync(config.sslcrldir).filter((n) => HASHED_CRL_NAME.test(n))) {
      const path = join(config.sslcrldir, name);
      if (isFile(path)) lists.push(readFileSync(path));
    }
  }
  return lists;
}

function readRoot(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new RxpgError(
      ErrorCode.TlsFailed,
      `could not read root certificate file "${path}": ${reason}`,
      { cause },
    );
  }
}

function list<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return isList(value) ? [...value] : [value];
}

function isList<T>(value: T | readonly T[]): value is readonly T[] {
  return Array.isArray(value);
}

function orNone<T>(values: T[]): T[] | undefined {
  return values.length > 0 ? values : undefined;
}

/** libpq uses stat(): anything at the path counts, even a folder (which then fails to load). */
function exists(path: string): boolean {
  if (path === '') return false;
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
