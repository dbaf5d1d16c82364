import { execFile, execFileSync } from 'node:child_process';
import { chown } from 'node:fs/promises';

import { ThrowawayError, ThrowawayErrorCode } from './throwaway-error';

/** The account that runs initdb and the server when this process is root. */
export interface ServerUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** PostgreSQL refuses to run as root; this account exists wherever PostgreSQL was packaged. */
const SERVER_USER_NAME = 'postgres';

// undefined: not looked up yet; null: this process is not root and runs the server itself.
let cachedUser: ServerUser | null | undefined;

/**
 * The unprivileged user to run the server as, or undefined when this process is not root and
 * can run it itself.
 * @internal
 */
export function serverUser(): ServerUser | undefined {
  if (cachedUser === undefined) cachedUser = lookUpServerUser();
  return cachedUser ?? undefined;
}

function lookUpServerUser(): ServerUser | null {
  if (process.getuid?.() !== 0) return null;
  try {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, SERVER_USER_NAME], { encoding: 'utf8' }).trim());
    return { name: SERVER_USER_NAME, uid: id('-u'), gid: id('-g') };
  } catch (cause) {
    throw new ThrowawayError(
      ThrowawayErrorCode.NoServerUser,
      `PostgreSQL refuses to run as root, and there is no '${SERVER_USER_NAME}' user to run it as`,
      { cause, hint: `Create one (useradd --system ${SERVER_USER_NAME}) or run as another user.` },
    );
  }
}

/**
 * Runs a program as `user` (as this process when undefined) and resolves with its standard
 * output; rejects with its standard error in the message.
 * @internal
 */
export function runAs(
  user: ServerUser | undefined,
  file: string,
  args: readonly string[],
): Promise<string> {
  const identity = user === undefined ? {} : { uid: user.uid, gid: user.gid };
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...identity, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else reject(new Error(`${file} failed: ${stderr.trim() || error.message}`, { cause: error }));
    });
  });
}

/**
 * Hands a path over to the server user; a no-op when this process runs the server itself.
 * @internal
 */
export async function giveToServer(path: string, user: ServerUser | undefined): Promise<void> {
  if (user !== undefined) await chown(path, user.uid, user.gid);
}
