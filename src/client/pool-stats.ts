/**
 * The figures of a Client's pool at one moment.
 *
 * @example
 * client.stats$.subscribe(({ total, idle, waiting }) => metrics.gauge('db.pool', total - idle));
 */
export interface PoolStats {
  /** Connections open or being opened; never more than `maxConnections`. */
  readonly total: number;
  /** Open connections that no one is using. */
  readonly idle: number;
  /** Queries and transactions waiting for a connection. */
  readonly waiting: number;
}
