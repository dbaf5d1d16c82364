import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { certPath, type CertFile, CERT_DIR } from '../support/certs';

/**
 * Home folders a cell can run with (HOME points there, so ~/.postgresql is under control):
 * - `empty`: nothing, so every default file is missing;
 * - `root`: ~/.postgresql/root.crt;
 * - `root-crl`: root.crt and root.crl (revoking server.crt);
 * - `client`: root.crt, postgresql.crt and postgresql.key (0600);
 * - `client-no-key`: root.crt and postgresql.crt without its key.
 */
export type HomeKey = 'empty' | 'root' | 'root-crl' | 'client' | 'client-no-key';

/** True when this process can make files owned by root and by another user. */
export const CAN_CHOWN = process.getuid?.() === 0;

/** Files and folders the cells point at, made fresh for one run. */
export class Workspace {
  readonly folder = mkdtempSync(join(tmpdir(), 'rxpg-libpq-'));
  /** Client keys with various owners and modes; see {@link makeKeys}. */
  readonly keys = join(this.folder, 'keys');

  constructor() {
    makeKeys(this.keys);
    for (const home of HOMES) makeHome(this.home(home), home);
  }

  home(key: HomeKey): string {
    return join(this.folder, 'home', key);
  }

  /** A parameter value with `${CERTS}`, `${KEYS}` and `${HOME}` filled in. */
  expand(value: string, home: HomeKey): string {
    return value
      .replaceAll('${CERTS}', CERT_DIR)
      .replaceAll('${KEYS}', this.keys)
      .replaceAll('${HOME}', this.home(home));
  }

  remove(): void {
    rmSync(this.folder, { recursive: true, force: true });
  }
}

const HOMES: readonly HomeKey[] = ['empty', 'root', 'root-crl', 'client', 'client-no-key'];

function makeHome(folder: string, key: HomeKey): void {
  const dotFolder = join(folder, '.postgresql');
  mkdirSync(dotFolder, { recursive: true });
  const put = (file: CertFile | 'root.crl', name: string, mode = 0o644): void => {
    const target = join(dotFolder, name);
    copyFileSync(join(CERT_DIR, file), target);
    chmodSync(target, mode);
  };
  if (key === 'empty') return;
  put('root.crt', 'root.crt');
  if (key === 'root-crl') put('root.crl', 'root.crl');
  if (key === 'client' || key === 'client-no-key') put('client.crt', 'postgresql.crt');
  if (key === 'client') put('client.key', 'postgresql.key', 0o600);
}

/**
 * Client keys under `${KEYS}`: client.key with modes 0600, 0640 and 0644 (owned by this
 * process), 0600 and 0640 owned by the `postgres` user (only when root), the encrypted key,
 * a key that does not belong to client.crt, and a folder where a key file should be.
 */
interface Owner {
  readonly uid: number;
  readonly gid: number;
}

function makeKeys(folder: string): void {
  mkdirSync(join(folder, 'key-folder'), { recursive: true });
  const put = (file: CertFile, name: string, mode: number, owner?: Owner): void => {
    const target = join(folder, name);
    copyFileSync(certPath(file), target);
    chmodSync(target, mode);
    if (owner !== undefined) chownSync(target, owner.uid, owner.gid);
  };
  put('client.key', 'client-0600.key', 0o600);
  put('client.key', 'client-0640.key', 0o640);
  put('client.key', 'client-0644.key', 0o644);
  put('client-encrypted.key', 'client-encrypted.key', 0o600);
  put('server.key', 'not-the-client.key', 0o600);
  if (CAN_CHOWN) {
    const id = (flag: string): number =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    const postgres = { uid: id('-u'), gid: id('-g') };
    put('client.key', 'client-0600-postgres.key', 0o600, postgres);
    put('client.key', 'client-0640-postgres.key', 0o640, postgres);
  }
}
