/** How far a connection attempt got before it failed; decides libpq's second attempts. */
export type AttemptStage = 'socket' | 'negotiation' | 'tls' | 'authentication' | 'startup';

/**
 * A failed attempt, with where it failed and whether TLS was on by then.
 * Internal: the pipeline unwraps it before anything reaches the user.
 * @internal
 */
export class AttemptFailure extends Error {
  constructor(
    readonly error: Error,
    readonly stage: AttemptStage,
    readonly encrypted: boolean,
  ) {
    super(error.message);
  }
}
