import { parseConfig, type ConnectConfig, type ConnectionParameters } from '../../src/config';
import { RxpgError } from '../../src/errors';

/** The account every test runs as, so that no test depends on the machine. */
export const ACCOUNT = { homedir: '/home/ann', username: 'ann' };

/** parseConfig with an empty environment unless one is given; never process.env. */
export function parse(
  input: string | ConnectionParameters | undefined,
  env: NodeJS.ProcessEnv = {},
): ConnectConfig {
  return parseConfig(input, env, ACCOUNT);
}

/** The RxpgError that `run` throws; fails the test when it throws nothing or something else. */
export function errorOf(run: () => unknown): RxpgError {
  try {
    run();
  } catch (e) {
    if (e instanceof RxpgError) return e;
    throw e;
  }
  throw new Error('expected an RxpgError, but nothing was thrown');
}
