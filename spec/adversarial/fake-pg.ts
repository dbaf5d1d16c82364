import { createServer, type Server, type Socket } from 'node:net';

/**
 * A hostile, scripted "PostgreSQL" on 127.0.0.1 for the adversarial tests: it
 * trusts every startup, then hands each frontend message to a script that
 * answers with whatever bytes it likes.
 */

export function msg(code: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(5);
  header[0] = code.charCodeAt(0);
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

function cstr(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

export const authOk = (): Buffer => msg('R', int32(0));
export const backendKey = (pid = 4242, secret = 1234): Buffer =>
  msg('K', Buffer.concat([int32(pid), int32(secret)]));
export const parameterStatus = (name: string, value: string): Buffer =>
  msg('S', Buffer.concat([cstr(name), cstr(value)]));
export const ready = (status = 'I'): Buffer => msg('Z', Buffer.from(status));
export const commandComplete = (tag: string): Buffer => msg('C', cstr(tag));
export const parseComplete = (): Buffer => msg('1');
export const bindComplete = (): Buffer => msg('2');
export const noData = (): Buffer => msg('n');
export const portalSuspended = (): Buffer => msg('s');
export const parameterDescription = (oids: number[]): Buffer =>
  msg('t', Buffer.concat([int16(oids.length), ...oids.map(int32)]));

/** RowDescription of text columns (OID 25) unless OIDs are given. */
export function rowDescription(names: string[], oids: number[] = names.map(() => 25)): Buffer {
  const parts = [int16(names.length)];
  names.forEach((name, i) => {
    parts.push(cstr(name), int32(0), int16(0), int32(oids[i]), int16(-1), int32(-1), int16(0));
  });
  return msg('T', Buffer.concat(parts));
}

/** DataRow of the given values (null for SQL NULL); `count` overrides the field count. */
export function dataRow(values: (string | null)[], count = values.length): Buffer {
  const parts = [int16(count)];
  for (const v of values) {
    if (v === null) parts.push(int32(-1));
    else {
      const bytes = Buffer.from(v, 'utf8');
      parts.push(int32(bytes.length), bytes);
    }
  }
  return msg('D', Buffer.concat(parts));
}

export function errorResponse(fields: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(k), cstr(v));
  parts.push(Buffer.from([0]));
  return msg('E', Buffer.concat(parts));
}

export const notification = (pid: number, channel: string, payload: string): Buffer =>
  msg('A', Buffer.concat([int32(pid), cstr(channel), cstr(payload)]));

/** One frontend message: its type letter and its body. */
export interface FrontendMessage {
  readonly type: string;
  readonly body: Buffer;
  /** For 'Q': the SQL. */
  readonly sql?: string;
}

export interface FakeServer {
  readonly port: number;
  /** Every frontend message each connection sent, startup excluded. */
  readonly messages: FrontendMessage[][];
  /** Sockets still open on the server side. */
  openSockets(): number;
  close(): Promise<void>;
}

/**
 * Starts a fake server. After startup (answered with AuthenticationOk, the
 * parameters rxpg checks, optional BackendKeyData and ReadyForQuery), each
 * frontend message goes to `onMessage`, which writes what it wants to the socket.
 */
export async function fakeServer(
  onMessage: (socket: Socket, message: FrontendMessage, index: number) => void,
  options: { backendKey?: boolean; startup?: (socket: Socket) => void } = {},
): Promise<FakeServer> {
  const messages: FrontendMessage[][] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    const index = messages.length;
    messages.push([]);
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    let buffered = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (!started) {
          if (buffered.length < 8) return;
          const length = buffered.readInt32BE(0);
          if (buffered.length < length) return;
          const code = buffered.readInt32BE(4);
          buffered = buffered.subarray(length);
          if (code === 80877102) {
            // A CancelRequest: just close, as PostgreSQL does.
            socket.end();
            return;
          }
          started = true;
          if (options.startup !== undefined) options.startup(socket);
          else
            socket.write(
              Buffer.concat([
                authOk(),
                parameterStatus('client_encoding', 'UTF8'),
                parameterStatus('server_version', '18.0'),
                parameterStatus('DateStyle', 'ISO, MDY'),
                parameterStatus('integer_datetimes', 'on'),
                parameterStatus('standard_conforming_strings', 'on'),
                ...(options.backendKey === true ? [backendKey()] : []),
                ready(),
              ]),
            );
          continue;
        }
        if (buffered.length < 5) return;
        const length = buffered.readInt32BE(1);
        if (buffered.length < length + 1) return;
        const type = String.fromCharCode(buffered[0]);
        const body = buffered.subarray(5, length + 1);
        buffered = buffered.subarray(length + 1);
        const message: FrontendMessage = {
          type,
          body,
          sql: type === 'Q' ? body.toString('utf8', 0, body.length - 1) : undefined,
        };
        messages[index].push(message);
        if (type === 'X') {
          socket.end();
          return;
        }
        onMessage(socket, message, index);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    messages,
    openSockets: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A plain SELECT answer to a simple Query: one text column, the given rows. */
export function simpleAnswer(column: string, rows: string[]): Buffer {
  return Buffer.concat([
    rowDescription([column]),
    ...rows.map((r) => dataRow([r])),
    commandComplete(`SELECT ${rows.length}`),
    ready(),
  ]);
}

/** Records uncaught exceptions and unhandled rejections while a test runs. */
export function trapUncaught(): { readonly errors: unknown[]; restore(): void } {
  const errors: unknown[] = [];
  const onError = (error: unknown): void => {
    errors.push(error);
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return {
    errors,
    restore: () => {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    },
  };
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Resources of the kinds rxpg could leak, counted by kind. */
export function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}
