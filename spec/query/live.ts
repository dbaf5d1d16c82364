import { lastValueFrom, toArray, type Observable } from 'rxjs';
import { connect, type ConnectOptions } from '../../src/connection/connect';
import type { Connection } from '../../src/connection/connection';
import type { Cluster } from '../support/cluster';
import { CLEAN_ENV } from '../support/outcome';

/** Everything an observable emits, once it completes. */
export function all<T>(source: Observable<T>): Promise<T[]> {
  return lastValueFrom(source.pipe(toArray()));
}

/** The error an observable ends with; fails the test if it completes instead. */
export async function failure(source: Observable<unknown>): Promise<unknown> {
  try {
    await all(source);
  } catch (error) {
    return error;
  }
  throw new Error('expected the query to fail, but it completed');
}

/** libpq parameters for the cluster's superuser over TCP, without TLS. */
export function paramsOf(cluster: Cluster, port = cluster.port): Record<string, string> {
  return {
    host: '127.0.0.1',
    port: String(port),
    user: cluster.user,
    dbname: 'postgres',
    sslmode: 'disable',
  };
}

/** Opens a connection; close it with `close()`. */
export function open(
  params: Record<string, string>,
  options: ConnectOptions = {},
): Promise<Connection> {
  return new Promise<Connection>((resolve, reject) => {
    connect(params, { env: CLEAN_ENV, ...options }).subscribe({
      next: resolve,
      error: reject,
    });
  });
}

/**
 * One connection for the tests of the enclosing `describe`, opened before them
 * and closed after; call the returned function inside tests.
 */
export function useConnection(
  cluster: () => Cluster,
  options: ConnectOptions = {},
): () => Connection {
  let connection: Connection | undefined;
  beforeAll(async () => {
    connection = await open(paramsOf(cluster()), options);
  });
  afterAll(() => connection?.close());
  return () => {
    if (connection === undefined) throw new Error('no connection: use it inside tests');
    return connection;
  };
}

/** One frontend message, as a recording proxy saw it. */
export interface FrontendMessage {
  /** The type letter: 'P' Parse, 'B' Bind, 'C' Close, 'Q' Query... */
  readonly type: string;
  readonly body: Buffer;
}

/** Splits what a client sent into messages, after its StartupMessage (which has no type byte). */
export function frontendMessages(sent: Buffer): FrontendMessage[] {
  const messages: FrontendMessage[] = [];
  let at = sent.readInt32BE(0);
  while (at + 5 <= sent.length) {
    const length = sent.readInt32BE(at + 1);
    messages.push({
      type: String.fromCharCode(sent[at]),
      body: sent.subarray(at + 5, at + 1 + length),
    });
    at += 1 + length;
  }
  return messages;
}

/** The statement name a Parse message prepares ('' for the unnamed statement). */
export function parsedName(message: FrontendMessage): string {
  return message.body.toString('utf8', 0, message.body.indexOf(0));
}
