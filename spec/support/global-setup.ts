import { prepareThrowaway, ThrowawayError } from '../../src/cli/throwaway';

/**
 * Runs once before all test files: checks that PostgreSQL binaries are usable (a readable
 * copy is made when the server user cannot reach them) and makes the template data dir, so
 * that a broken installation fails here with one clear message, not in every live test.
 */
export default async function globalSetup(): Promise<void> {
  try {
    await prepareThrowaway();
  } catch (error) {
    if (!(error instanceof ThrowawayError)) throw error;
    throw new Error(`Live tests need PostgreSQL. ${error.message}.\n${error.hint ?? ''}`, {
      cause: error,
    });
  }
}
