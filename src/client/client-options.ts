import type { ConnectOptions } from '../connection/connect';
import { pipelineDepthOf } from '../connection/connection';
import { suggestKeyword } from '../config/suggest';
import { ErrorCode, RxpgError } from '../errors';
import type { ListenCheckOptions } from './listen-check';
import type { ConnectHook } from './open-connection';
import type { PoolOptions } from './pool-options';

/**
 * How a {@link Client} behaves: its pool, plus every option of `connect()`
 * (`types`, `statementCacheSize`, `env`, ...) for each of its connections.
 * Durations are in milliseconds; 0 or Infinity means no limit.
 *
 * @example
 * new Client(url, { maxConnections: 20, acquireTimeout: 5_000, idleTimeout: 30_000 });
 */
export interface ClientOptions extends ConnectOptions {
  /** Most connections open at once, the LISTEN connection aside (default 10). */
  readonly maxConnections?: number;
  /**
   * Most requests that wait while every connection is in use (default: no
   * bound); one more fails at once with `RXPG_POOL_QUEUE_FULL`.
   */
  readonly maxWaiting?: number;
  /**
   * How long a request waits for a connection before failing with `RXPG_ACQUIRE_TIMEOUT` (default:
   * no limit).
   */
  readonly acquireTimeout?: number;
  /** How long an unused connection stays open (default 10,000). */
  readonly idleTimeout?: number;
  /**
   * How long a connection is used from its opening; older ones are closed when idle (default: no
   * limit).
   */
  readonly maxLifetime?: number;
  /**
   * Closes each connection as soon as nothing waits for it, as pgasync's `auto_disconnect` (default
   * false).
   */
  readonly autoDisconnect?: boolean;
  /**
   * Runs on every new connection before its first use, e.g. to SET a
   * search_path; its error fails the request that was waiting for the connection.
   */
  readonly onConnect?: ConnectHook;
  /**
   * How often the LISTEN connection, while any channel is listened to, makes a
   * round trip to the server (an empty query) to find out that the network has
   * stalled, which sends no error (default 30,000; 0 turns the check off).
   */
  readonly listenCheckInterval?: number;
  /**
   * How long that round trip may take; past it, the LISTEN connection is given
   * up, `listenEvents$` emits `disconnected` with `RXPG_TIMEOUT`, and rxpg
   * reconnects and listens again (default 10,000).
   */
  readonly listenCheckTimeout?: number;
}

const DEFAULT_MAX_CONNECTIONS = 10;
const DEFAULT_IDLE_TIMEOUT = 10_000;
const DEFAULT_CLEANUP_TIMEOUT = 10_000;
/** Half a minute between checks, as is usual for listeners: a stall is found within 40 s. */
const DEFAULT_LISTEN_CHECK_INTERVAL = 30_000;
const DEFAULT_LISTEN_CHECK_TIMEOUT = 10_000;
/** The longest delay Node's timers take (2^31 - 1 ms); a longer one would fire at once. */
const MAX_TIMER_DELAY = 2_147_483_647;

/** Every option a Client takes: its own and those of connect(). */
const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'maxConnections',
  'maxWaiting',
  'acquireTimeout',
  'idleTimeout',
  'maxLifetime',
  'autoDisconnect',
  'onConnect',
  'listenCheckInterval',
  'listenCheckTimeout',
  'types',
  'statementCacheSize',
  'pipelineDepth',
  'cancelTimeout',
  'maxMessageSize',
  'maxScramIterations',
  'env',
  'tls',
]);

/** The pool's part of `options`, checked, with defaults filled in. @internal */
export function poolOptions(options: ClientOptions): PoolOptions {
  for (const name of Object.keys(options)) {
    if (KNOWN_OPTIONS.has(name)) continue;
    const guess = suggestKeyword(name, KNOWN_OPTIONS);
    throw new RxpgError(ErrorCode.InvalidConfig, `unknown Client option "${name}"`, {
      hint: guess === undefined ? 'see ClientOptions' : `did you mean "${guess}"?`,
    });
  }
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) {
    throw invalid('maxConnections', maxConnections, 'a whole number of at least 1');
  }
  const maxWaiting = options.maxWaiting ?? Infinity;
  if (!(Number.isInteger(maxWaiting) || maxWaiting === Infinity) || maxWaiting < 0) {
    throw invalid('maxWaiting', maxWaiting, 'a whole number of at least 0, or Infinity');
  }
  return {
    maxConnections,
    maxWaiting,
    acquireTimeout: duration('acquireTimeout', options.acquireTimeout, Infinity),
    idleTimeout: duration('idleTimeout', options.idleTimeout, DEFAULT_IDLE_TIMEOUT),
    maxLifetime: duration('maxLifetime', options.maxLifetime, Infinity),
    autoDisconnect: options.autoDisconnect ?? false,
    // Cleaning waits for abandoned work, which the connection bounds by cancelTimeout too.
    cleanupTimeout: duration('cancelTimeout', options.cancelTimeout, DEFAULT_CLEANUP_TIMEOUT),
    pipelineDepth: pipelineDepthOf(options),
  };
}

/** How the LISTEN connection is checked, with defaults filled in. @internal */
export function listenCheckOptions(options: ClientOptions): ListenCheckOptions {
  return {
    interval: timerDelay(
      'listenCheckInterval',
      options.listenCheckInterval,
      DEFAULT_LISTEN_CHECK_INTERVAL,
    ),
    timeout: timerDelay(
      'listenCheckTimeout',
      options.listenCheckTimeout,
      DEFAULT_LISTEN_CHECK_TIMEOUT,
    ),
  };
}

/** A {@link duration} that a Node timer can wait for. */
function timerDelay(name: string, value: number | undefined, fallback: number): number {
  const ms = duration(name, value, fallback);
  if (ms > MAX_TIMER_DELAY && ms !== Infinity) {
    throw invalid(name, ms, `milliseconds, 0 to ${MAX_TIMER_DELAY}`);
  }
  return ms;
}

/** A duration in milliseconds; 0 means no limit, as in node-postgres. */
function duration(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0)
    throw invalid(name, value, 'milliseconds, 0 or more');
  return value === 0 ? Infinity : value;
}

function invalid(name: string, value: unknown, expected: string): RxpgError {
  return new RxpgError(ErrorCode.InvalidConfig, `invalid ${name} ${String(value)}`, {
    hint: `${name} is ${expected}`,
  });
}
