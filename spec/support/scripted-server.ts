import { createServer, type Server, type Socket } from 'node:net';

/** A tiny TCP server on 127.0.0.1 that plays a script instead of PostgreSQL. */
export interface ScriptedServer {
  readonly port: number;
  /** Every byte each connection sent, in connection order. */
  readonly received: Buffer[];
  /** How many connections were accepted. */
  connections(): number;
  close(): Promise<void>;
}

/** Plays `script` on every accepted socket; `received` records what clients sent. */
export async function scriptedServer(
  script: (socket: Socket, index: number) => void,
): Promise<ScriptedServer> {
  const received: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    const index = received.length;
    received.push(Buffer.alloc(0));
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => {
      received[index] = Buffer.concat([received[index], chunk]);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    script(socket, index);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    received,
    connections: () => received.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Waits for the 8-byte SSLRequest, then runs `reply`. */
export function afterSslRequest(socket: Socket, reply: () => void): void {
  let seen = 0;
  const onData = (chunk: Buffer): void => {
    seen += chunk.length;
    if (seen >= 8) {
      socket.off('data', onData);
      reply();
    }
  };
  socket.on('data', onData);
}

/** True when `bytes` holds a StartupMessage or a PasswordMessage in plaintext. */
export function containsPlainStartup(bytes: Buffer): boolean {
  // A StartupMessage carries protocol 3.0 (00 03 00 00) after its length, then "user\0".
  return bytes.includes(Buffer.from([0, 3, 0, 0])) && bytes.includes(Buffer.from('user\0'));
}
