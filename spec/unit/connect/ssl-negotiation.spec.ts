import { firstValueFrom } from 'rxjs';
import { connect } from '../../../src/connection/connect';
import type { SslMode } from '../../../src/config/types';
import { RxpgError } from '../../../src/errors';
import {
  afterSslRequest,
  containsPlainStartup,
  scriptedServer,
  type ScriptedServer,
} from '../../support/scripted-server';
import { CLEAN_ENV } from '../../support/outcome';

/** Connects to a scripted server and returns the error code, failing if it connected. */
async function failureCode(server: ScriptedServer, sslmode: SslMode): Promise<string> {
  try {
    await firstValueFrom(
      connect(
        { host: '127.0.0.1', port: server.port, user: 'u', password: 'secret', sslmode },
        { env: CLEAN_ENV },
      ),
    );
  } catch (error) {
    if (error instanceof RxpgError) return error.code;
    throw error;
  }
  throw new Error('connected to a scripted server');
}

const SECRET_TEXT = 'FATAL: server says trust me and send your password';

describe('SSL negotiation against misbehaving servers', () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  // Injected bytes fail the connection once a handshake succeeds (spec/live/security-mitm.spec.ts
  // relays a real one); a server that cannot finish the handshake fails it first, as in libpq.
  it("under require, 'S' with injected bytes and no handshake fails without a plaintext startup", async () => {
    server = await scriptedServer((socket) =>
      afterSslRequest(socket, () => {
        socket.write(Buffer.from('SZ\0\0\0\x05I'));
        socket.once('data', () => socket.end());
      }),
    );
    expect(await failureCode(server, 'require')).toBe('RXPG_TLS_FAILED');
    expect(containsPlainStartup(server.received[0])).toBe(false);
  });

  it("fails when injected bytes arrive in a separate write after 'S'", async () => {
    server = await scriptedServer((socket) =>
      afterSslRequest(socket, () => {
        socket.write('S');
        setImmediate(() => socket.write(Buffer.from('R\0\0\0\x08\0\0\0\0Z\0\0\0\x05I')));
        socket.once('data', () => setImmediate(() => socket.end()));
      }),
    );
    const code = await failureCode(server, 'require');
    expect(['RXPG_SSL_INJECTED_BYTES', 'RXPG_TLS_FAILED']).toContain(code);
    expect(containsPlainStartup(server.received[0])).toBe(false);
  });

  it.each<SslMode>(['prefer', 'require', 'verify-full'])(
    "under %s, an 'E' reply fails without showing the server's text",
    async (mode) => {
      server = await scriptedServer((socket) =>
        afterSslRequest(socket, () => {
          const text = Buffer.from(`SFATAL\0M${SECRET_TEXT}\0\0`);
          const header = Buffer.alloc(5);
          header.write('E');
          header.writeInt32BE(text.length + 4, 1);
          socket.end(Buffer.concat([header, text]));
        }),
      );
      let message = '';
      try {
        await firstValueFrom(
          connect(
            { host: '127.0.0.1', port: server.port, user: 'u', sslmode: mode },
            { env: CLEAN_ENV },
          ),
        );
      } catch (error) {
        message = String((error as Error).message);
        expect((error as RxpgError).code).toBe('RXPG_SSL_REFUSED');
      }
      expect(message).not.toBe('');
      expect(message).not.toContain('trust me');
      expect(server.connections()).toBe(1);
    },
  );

  it.each<SslMode>(['require', 'verify-ca', 'verify-full'])(
    "under %s, an 'N' reply fails before any startup or password is sent",
    async (mode) => {
      server = await scriptedServer((socket) => afterSslRequest(socket, () => socket.write('N')));
      expect(await failureCode(server, mode)).toBe('RXPG_SSL_REQUIRED');
      expect(server.received.every((bytes) => !containsPlainStartup(bytes))).toBe(true);
      expect(server.received.every((bytes) => !bytes.includes('secret'))).toBe(true);
    },
  );

  it('fails on a reply byte that is neither S, N nor E', async () => {
    server = await scriptedServer((socket) => afterSslRequest(socket, () => socket.write('X')));
    expect(await failureCode(server, 'prefer')).toBe('RXPG_PROTOCOL_VIOLATION');
  });

  it('fails when the server closes the socket instead of answering', async () => {
    server = await scriptedServer((socket) => afterSslRequest(socket, () => socket.end()));
    expect(await failureCode(server, 'require')).toBe('RXPG_CONNECTION_CLOSED');
  });

  it("fails when the server answers 'S' and then sends junk instead of a handshake", async () => {
    server = await scriptedServer((socket) =>
      afterSslRequest(socket, () => {
        socket.write('S');
        socket.once('data', () => socket.write(Buffer.alloc(64, 0x41)));
      }),
    );
    expect(await failureCode(server, 'require')).toBe('RXPG_TLS_FAILED');
  });

  it('sends SSLRequest as its first eight bytes under prefer', async () => {
    server = await scriptedServer((socket) => afterSslRequest(socket, () => socket.end()));
    await failureCode(server, 'prefer');
    expect(server.received[0].subarray(0, 8).toString('hex')).toBe('0000000804d2162f');
  });

  it('sends no SSLRequest under disable', async () => {
    server = await scriptedServer((socket) => socket.once('data', () => socket.end()));
    await failureCode(server, 'disable');
    expect(containsPlainStartup(server.received[0])).toBe(true);
  });
});
