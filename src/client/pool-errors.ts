import { ErrorCode, RxpgError } from '../errors';

/** Work asked of a Client after close() or closeNow(). @internal */
export function clientClosed(): RxpgError {
  return new RxpgError(ErrorCode.ClientClosed, 'the client is closed', {
    hint: 'make a new Client; close() and closeNow() end this one for good',
  });
}

/** A request that found every connection busy and `maxWaiting` requests waiting. @internal */
export function queueFull(maxWaiting: number): RxpgError {
  return new RxpgError(
    ErrorCode.PoolQueueFull,
    `every connection is in use and ${maxWaiting} requests are already waiting`,
    { hint: 'raise maxWaiting or maxConnections, or limit concurrency (e.g. mergeMap(f, n))' },
  );
}

/** A request that waited `acquireTimeout` ms for a connection. @internal */
export function acquireTimedOut(acquireTimeout: number): RxpgError {
  return new RxpgError(
    ErrorCode.AcquireTimeout,
    `no connection came free within ${acquireTimeout} ms`,
    { hint: 'raise maxConnections or acquireTimeout, or make queries shorter' },
  );
}
