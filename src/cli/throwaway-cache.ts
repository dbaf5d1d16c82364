import { createHash } from 'node:crypto';
import { accessSync, constants, statSync, statfsSync } from 'node:fs';
import { chmod, lstat, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';

import { ThrowawayError, ThrowawayErrorCode } from './throwaway-error';
import type { ServerUser } from './throwaway-user';

/** Others may enter, only the owner may write: what a folder shared with the server user needs. */
const SHARED_FOLDER_MODE = 0o755;
const WRITABLE_BY_OTHERS = 0o022;
const ENTERABLE_BY_OTHERS = 0o001;
const SHARED_MEMORY_DIR = '/dev/shm';
/** Leaves room for the server's own shared memory and for other programs (Docker gives 64 MB). */
const MIN_FREE_SHARED_MEMORY = 512 * 1024 * 1024;

/**
 * The folder that holds clusters and caches: the OS temp dir, unless the server user (when
 * this process is root) cannot enter it, as with a TMPDIR under /root.
 * @internal
 */
export function throwawayTempDir(user: ServerUser | undefined): string {
  const base = tmpdir();
  if (user === undefined || enterableByOthers(base)) return base;
  return '/tmp';
}

/**
 * The folder for the clusters themselves: /dev/shm when it is a roomy tmpfs, since copying the
 * template there takes ~60 ms against up to ~700 ms on a disk busy writing back; else the
 * temp dir. Caches stay in the temp dir, where they survive a reboot and cost no memory.
 * @internal
 */
export function clusterParentDir(user: ServerUser | undefined): string {
  try {
    const { bavail, bsize } = statfsSync(SHARED_MEMORY_DIR);
    accessSync(SHARED_MEMORY_DIR, constants.W_OK);
    if (
      bavail * bsize >= MIN_FREE_SHARED_MEMORY &&
      (user === undefined || enterableByOthers(SHARED_MEMORY_DIR))
    ) {
      return SHARED_MEMORY_DIR;
    }
  } catch {
    // No /dev/shm on this system (macOS), or not ours to write.
  }
  return throwawayTempDir(user);
}

function enterableByOthers(path: string): boolean {
  for (let folder = path; ; folder = dirname(folder)) {
    if ((statSync(folder).mode & ENTERABLE_BY_OTHERS) === 0) return false;
    if (dirname(folder) === folder) return true;
  }
}

/**
 * A short stable name for a cache entry, from everything its content depends on.
 * @internal
 */
export function cacheKey(...parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);
}

/**
 * Returns `path`, building it first when absent. Concurrent processes (Jest workers) may race:
 * each builds in a private folder that appears under the final name only when complete, by one
 * rename; the loser throws its copy away. An existing folder is used only when this user owns
 * it and nobody else can write to it, since the server runs its binaries.
 * @internal
 */
export async function cachedFolder(
  path: string,
  build: (folder: string) => Promise<void>,
): Promise<string> {
  if (await exists(path)) return checkTrusted(path);
  const partial = await mkdtemp(`${path}.partial-`);
  try {
    await build(partial);
    await chmod(partial, SHARED_FOLDER_MODE);
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    if (!isErrno(error, 'EEXIST') && !isErrno(error, 'ENOTEMPTY')) throw error;
  }
  return checkTrusted(path);
}

async function checkTrusted(path: string): Promise<string> {
  const stats = await lstat(path);
  const trusted =
    stats.isDirectory() &&
    stats.uid === process.getuid?.() &&
    (stats.mode & WRITABLE_BY_OTHERS) === 0;
  if (trusted) return path;
  throw new ThrowawayError(
    ThrowawayErrorCode.UnsafeCache,
    `Refusing to use ${path}: it is not a folder owned by this user and closed to others`,
    { hint: `Remove it (rm -rf ${path}) and try again.` },
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
}

/**
 * Whether a Node system error has this code. Not `instanceof Error`: under Jest, errors from
 * Node's own modules come from another realm and fail that test.
 * @internal
 */
export function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}
