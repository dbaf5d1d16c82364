import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';

import { readCert } from '../../support/certs';

/** A message from the client after its StartupMessage: type byte and body. */
export interface FrontendMessage {
  readonly type: string;
  readonly body: Buffer;
}

/** One client connection, as the script sees it. */
export interface FakeSession {
  /** True once TLS is on (after SSLRequest or direct). */
  readonly encrypted: boolean;
  /** The server certificate's DER, when TLS is on (for channel binding). */
  readonly certificate?: Buffer;
  /** The ALPN protocol the TLS handshake settled on, or false for none. */
  readonly alpnProtocol: string | false;
  /** StartupMessage parameters (user, database, ...). */
  readonly startup: Readonly<Record<string, string>>;
  send(bytes: Buffer): void;
  /** The next message from the client; rejects when the client closed the connection. */
  next(): Promise<FrontendMessage>;
  /** Waits until the client closed the connection. */
  closed(): Promise<void>;
  end(): void;
}

/** How the fake server handles encryption. */
export interface FakeServerOptions {
  /**
   * `N` (default) or `S` (then TLS with the fixture certificate server.crt) as the answer to
   * SSLRequest; `direct` for TLS from the first byte, as with sslnegotiation=direct.
   */
  readonly ssl?: 'S' | 'N' | 'direct';
  /** ALPN protocols the TLS side selects from; default none (no ALPN in the answer). */
  readonly alpn?: readonly string[];
}

/** A running fake server: its port, and everything each connection sent, raw. */
export interface FakeServer {
  readonly port: number;
  /** Raw bytes received per connection (before TLS decryption). */
  readonly raw: Buffer[];
  /** Decoded messages received per connection after startup (after TLS decryption). */
  readonly messages: FrontendMessage[][];
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;

/**
 * A PostgreSQL server played by a script, on 127.0.0.1: it handles SSLRequest (or direct TLS)
 * and the StartupMessage itself, then hands the session to `script`. For tests of what a
 * client sends and refuses during authentication; nothing here is PostgreSQL's code.
 */
export async function fakeServer(
  script: (session: FakeSession) => Promise<void>,
  options: FakeServerOptions = {},
): Promise<FakeServer> {
  const raw: Buffer[] = [];
  const messages: FrontendMessage[][] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    const index = raw.push(Buffer.alloc(0)) - 1;
    messages.push([]);
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      raw[index] = Buffer.concat([raw[index], chunk]);
    });
    serve(socket, options, messages[index], script).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    raw,
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function serve(
  socket: Socket,
  options: FakeServerOptions,
  log: FrontendMessage[],
  script: (session: FakeSession) => Promise<void>,
): Promise<void> {
  let stream: Duplex = socket;
  let certificate: Buffer | undefined;
  let alpnProtocol: string | false = false;
  let reader: Reader;
  if (options.ssl === 'direct') {
    ({ stream, certificate, alpnProtocol } = await startTls(socket, options));
    reader = new Reader(stream);
  } else {
    reader = new Reader(socket);
    const first = await reader.peek(8);
    const isSslRequest = first.readInt32BE(0) === 8 && first.readInt32BE(4) === SSL_REQUEST;
    if (isSslRequest) {
      await reader.take(8);
      const answer = options.ssl ?? 'N';
      socket.write(answer);
      if (answer === 'S') {
        // The client waits for the answer, so nothing else has been read yet.
        reader.detach();
        ({ stream, certificate, alpnProtocol } = await startTls(socket, options));
        reader = new Reader(stream);
      }
    }
  }
  const length = (await reader.take(4)).readInt32BE(0);
  const startup = parseStartup(await reader.take(length - 4));
  await script({
    encrypted: stream !== socket,
    certificate,
    alpnProtocol,
    startup,
    send: (bytes) => stream.write(bytes),
    next: async () => {
      const header = await reader.take(5);
      const message = {
        type: String.fromCharCode(header[0]),
        body: await reader.take(header.readInt32BE(1) - 4),
      };
      log.push(message);
      return message;
    },
    closed: () => reader.ended(),
    end: () => stream.end(),
  });
}

async function startTls(
  socket: Socket,
  options: FakeServerOptions,
): Promise<{ stream: Duplex; certificate: Buffer; alpnProtocol: string | false }> {
  const tls = new TLSSocket(socket, {
    isServer: true,
    cert: readCert('server.crt'),
    key: readCert('server.key'),
    ALPNProtocols: options.alpn === undefined ? undefined : [...options.alpn],
  });
  tls.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    tls.once('secure', resolve);
    tls.once('close', () => reject(new Error('closed during handshake')));
  });
  const own = tls.getX509Certificate();
  return {
    stream: tls,
    certificate: own?.raw ?? Buffer.alloc(0),
    alpnProtocol: tls.alpnProtocol ?? false,
  };
}

function parseStartup(body: Buffer): Record<string, string> {
  const parts = body.subarray(4).toString('utf8').split('\0');
  const result: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) {
    if (parts[i] !== '') result[parts[i]] = parts[i + 1];
  }
  return result;
}

/** Reads exact byte counts from a stream. */
class Reader {
  private buffered = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  private done = false;
  private readonly onData = (chunk: Buffer): void => {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    this.wake();
  };
  private readonly onEnd = (): void => {
    this.done = true;
    this.wake();
  };

  constructor(private readonly stream: Duplex) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
  }

  async peek(count: number): Promise<Buffer> {
    while (this.buffered.length < count) {
      if (this.done) throw new Error('client closed the connection');
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    return this.buffered.subarray(0, count);
  }

  async take(count: number): Promise<Buffer> {
    const bytes = Buffer.from(await this.peek(count));
    this.buffered = this.buffered.subarray(count);
    return bytes;
  }

  async ended(): Promise<void> {
    while (!this.done) await new Promise<void>((resolve) => (this.waiting = resolve));
  }

  /** Stops reading (before TLS takes the socket over). */
  detach(): void {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}
