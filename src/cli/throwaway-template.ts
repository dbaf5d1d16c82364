import { realpathSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import type { PostgresBinaries, PostgresVersion } from './throwaway-binaries';
import { cacheKey, cachedFolder, throwawayTempDir } from './throwaway-cache';
import { ThrowawayError, ThrowawayErrorCode } from './throwaway-error';
import { giveToServer, runAs, type ServerUser } from './throwaway-user';

/** The superuser that initdb creates in every throwaway cluster. */
export const THROWAWAY_SUPERUSER = 'postgres';

/**
 * initdb is the slow part of a start, so it runs once per set of binaries and the result is
 * copied for each cluster. Changing these flags changes the cache key.
 */
const INITDB_FLAGS = [
  '--auth=trust',
  `--username=${THROWAWAY_SUPERUSER}`,
  '--encoding=UTF8',
  '--locale=C',
  '--no-sync',
  '--no-instructions',
  // 1 MB WAL segments instead of 16 make each copy of the template 15 MB smaller.
  '--wal-segsize=1',
];

/** initdb refuses a data dir that others can enter; the folder around it must let the user in. */
const PRIVATE_MODE = 0o700;
const ENTER_ONLY_MODE = 0o711;

const templates = new Map<string, Promise<string>>();

/**
 * A data dir fresh from initdb, made once per set of binaries and server user and kept in the
 * temp dir across runs; copy it, never start a server in it.
 * @internal
 */
export function templateDataDir(
  binaries: PostgresBinaries,
  version: PostgresVersion,
  user: ServerUser | undefined,
): Promise<string> {
  // Both matter: who owns the cache (this process) and who owns the data dir (the server).
  const owners = `${process.getuid?.()}:${user?.uid}`;
  const key = cacheKey(realpathSync(binaries.binDir), version.full, owners, ...INITDB_FLAGS);
  let template = templates.get(key);
  if (template === undefined) {
    const folder = join(throwawayTempDir(user), `rxpg-template-${version.major}-${key}`);
    template = cachedFolder(folder, (partial) => initTemplate(binaries, partial, user)).then(
      (made) => join(made, 'data'),
    );
    // A failure is not cached, so that a fixed installation works without a restart.
    template.catch(() => templates.delete(key));
    templates.set(key, template);
  }
  return template;
}

async function initTemplate(
  binaries: PostgresBinaries,
  folder: string,
  user: ServerUser | undefined,
): Promise<void> {
  const dataDir = join(folder, 'data');
  await chmod(folder, ENTER_ONLY_MODE);
  await mkdir(dataDir, { mode: PRIVATE_MODE });
  await giveToServer(dataDir, user);
  try {
    await runAs(user, join(binaries.binDir, 'initdb'), ['-D', dataDir, ...INITDB_FLAGS]);
  } catch (cause) {
    throw new ThrowawayError(
      ThrowawayErrorCode.InitFailed,
      `initdb failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause, hint: `The binaries in ${binaries.binDir} may be broken or incomplete.` },
    );
  }
}
