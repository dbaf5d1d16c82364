import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A scripted server in front of a real one, on 127.0.0.1: it answers SSLRequest its own way
 * and passes everything else through, as a man-in-the-middle or a broken server would.
 *
 * - `strip`: answers 'N' itself and relays the plaintext session (a TLS-stripping proxy);
 * - `junk`: answers 'S', then garbage instead of a TLS handshake;
 * - `inject-relay`: answers 'S' with injected plaintext bytes in the same write, then relays
 *   a real TLS session with the server (the handshake succeeds; CVE-2021-23222);
 * - `inject-close`: answers 'S' with injected bytes, then closes at the ClientHello;
 * - `error`: answers with an ErrorResponse ('E') whose text must never be shown;
 * - `bad-byte`: answers 'X';
 * - `close`: closes the socket instead of answering;
 * - `starting-up`: answers 'N', then every StartupMessage with 57P03 (the database system is
 *   starting up), relaying nothing.
 *
 * A connection that starts with a StartupMessage (sslmode disable, allow's first attempt,
 * prefer's plaintext retry) is relayed to the real server unchanged.
 */
export type FrontBehaviour =
  | 'strip'
  | 'junk'
  | 'inject-relay'
  | 'inject-close'
  | 'error'
  | 'bad-byte'
  | 'close'
  | 'starting-up';

/** A running front: its port, and every byte clients sent to it. */
export interface Front {
  readonly port: number;
  /** Bytes received from clients, one entry per connection. */
  readonly received: Buffer[];
  close(): Promise<void>;
}

const SSL_REQUEST = Buffer.from('0000000804d2162f', 'hex');
const SSL_REQUEST_LENGTH = 8;
/** A forged AuthenticationOk ('R', 0) and ReadyForQuery ('Z', idle): what a MITM would inject. */
const INJECTED = Buffer.from('520000000800000000' + '5a0000000549', 'hex');
const FORGED_ERROR_TEXT = 'FATAL: server text that must never be shown';

/** Starts a front for `behaviour` before the server listening on `backendPort`. */
export async function startFront(behaviour: FrontBehaviour, backendPort: number): Promise<Front> {
  const received: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const index = received.push(Buffer.alloc(0)) - 1;
    sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => sockets.delete(client));
    client.on('data', (chunk: Buffer) => {
      received[index] = Buffer.concat([received[index], chunk]);
    });
    firstBytes(client, (first) => {
      if (behaviour === 'starting-up') startingUp(client, first);
      else if (!first.equals(SSL_REQUEST)) relay(client, first, backendPort, sockets);
      else answerSslRequest(behaviour, client, backendPort, sockets);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('front has no port');
  return {
    port: address.port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Calls `then` with the first 8 bytes (SSLRequest's size) once they arrived. */
function firstBytes(client: Socket, then: (first: Buffer) => void): void {
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    buffered = Buffer.concat([buffered, chunk]);
    if (buffered.length < SSL_REQUEST_LENGTH) return;
    client.off('data', onData);
    client.pause();
    then(buffered);
  };
  client.on('data', onData);
}

function answerSslRequest(
  behaviour: FrontBehaviour,
  client: Socket,
  backendPort: number,
  sockets: Set<Socket>,
): void {
  switch (behaviour) {
    case 'strip':
      client.write('N');
      relay(client, Buffer.alloc(0), backendPort, sockets);
      return;
    case 'junk':
      client.write('S');
      client.once('data', () => client.write(Buffer.alloc(64, 'A')));
      client.resume();
      return;
    case 'inject-relay':
      relayTls(client, backendPort, sockets);
      return;
    case 'inject-close':
      client.write(Buffer.concat([Buffer.from('S'), INJECTED]));
      client.once('data', () => client.end());
      client.resume();
      return;
    case 'error':
      client.end(errorResponse('08P01', FORGED_ERROR_TEXT));
      return;
    case 'bad-byte':
      client.write('X');
      client.resume();
      return;
    case 'close':
      client.end();
      return;
    case 'starting-up':
      return;
  }
}

/** Refuses TLS, then answers the StartupMessage with 57P03 and closes. */
function startingUp(client: Socket, first: Buffer): void {
  const refuse = (): void => {
    client.end(errorResponse('57P03', 'the database system is starting up'));
  };
  if (!first.equals(SSL_REQUEST)) {
    refuse();
    return;
  }
  client.write('N');
  client.once('data', refuse);
  client.resume();
}

/** Pipes the client to a new connection to the backend, starting with `first`. */
function relay(client: Socket, first: Buffer, backendPort: number, sockets: Set<Socket>): void {
  const backend = connect({ host: '127.0.0.1', port: backendPort });
  sockets.add(backend);
  backend.on('error', () => client.destroy());
  backend.on('close', () => sockets.delete(backend));
  client.on('close', () => backend.destroy());
  backend.once('connect', () => {
    if (first.length > 0) backend.write(first);
    client.pipe(backend);
    backend.pipe(client);
    client.resume();
  });
}

/** Asks the backend for TLS itself, answers 'S' plus injected bytes, then pipes the handshake. */
function relayTls(client: Socket, backendPort: number, sockets: Set<Socket>): void {
  const backend = connect({ host: '127.0.0.1', port: backendPort });
  sockets.add(backend);
  backend.on('error', () => client.destroy());
  backend.on('close', () => sockets.delete(backend));
  client.on('close', () => backend.destroy());
  backend.once('connect', () => backend.write(SSL_REQUEST));
  backend.once('data', (reply: Buffer) => {
    if (reply.toString('latin1') !== 'S') {
      client.destroy();
      return;
    }
    client.write(Buffer.concat([Buffer.from('S'), INJECTED]));
    client.pipe(backend);
    backend.pipe(client);
    client.resume();
  });
}

/** An ErrorResponse ('E') with severity, SQLSTATE and message fields. */
function errorResponse(code: string, text: string): Buffer {
  const fields = Buffer.from(`SFATAL\0C${code}\0M${text}\0\0`);
  const header = Buffer.alloc(5);
  header.write('E');
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}
