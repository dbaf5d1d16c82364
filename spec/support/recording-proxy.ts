import { connect, createServer, type Socket } from 'node:net';

/** A TCP proxy on 127.0.0.1 that records what each client sent, per connection. */
export interface RecordingProxy {
  readonly port: number;
  /** Bytes from the client, one entry per accepted connection, in order. */
  readonly sent: Buffer[];
  close(): Promise<void>;
}

/** Forwards every connection to `127.0.0.1:targetPort`, recording the client's bytes. */
export async function recordingProxy(targetPort: number): Promise<RecordingProxy> {
  const sent: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const index = sent.length;
    sent.push(Buffer.alloc(0));
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      sent[index] = Buffer.concat([sent[index], chunk]);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    sent,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
