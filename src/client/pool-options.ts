/** How a pool behaves; {@link ClientOptions} with the defaults filled in. @internal */
export interface PoolOptions {
  readonly maxConnections: number;
  /** Waiting requests allowed while every connection is in use (Infinity: no bound). */
  readonly maxWaiting: number;
  /** Milliseconds a request waits for a connection (Infinity: no limit). */
  readonly acquireTimeout: number;
  /** Milliseconds an unused connection stays open (Infinity: forever). */
  readonly idleTimeout: number;
  /** Milliseconds a connection is used for, counted from its opening (Infinity: no limit). */
  readonly maxLifetime: number;
  /** Closes each connection as soon as no one needs it. */
  readonly autoDisconnect: boolean;
  /** How long making a returned connection clean may take before it is discarded (ms). */
  readonly cleanupTimeout: number;
  /**
   * How many single statements may share one connection at once, pipelined, once every
   * connection is open (the connections' `pipelineDepth`; 1: none).
   */
  readonly pipelineDepth: number;
}
