import { firstValueFrom, type Observable, type Subscription } from 'rxjs';
import { connect } from '../../src/connection/connect';
import type { Connection } from '../../src/connection/connection';
import { DatabaseError, RxpgError } from '../../src/errors';
import { CLEAN_ENV } from '../support/outcome';
import {
  bindComplete,
  commandComplete,
  dataRow,
  errorResponse,
  fakeServer,
  msg,
  notification,
  parameterDescription,
  parseComplete,
  portalSuspended,
  ready,
  rowDescription,
  simpleAnswer,
  sleep,
  trapUncaught,
  type FakeServer,
} from './fake-pg';

/** What an observable came to within `ms`: rows, and how it ended (or that it did not). */
interface Settled<T> {
  rows: T[];
  error?: unknown;
  completed: boolean;
  hung: boolean;
}

function settle<T>(source: Observable<T>, ms = 3000): Promise<Settled<T>> {
  return new Promise((resolve) => {
    const result: Settled<T> = { rows: [], completed: false, hung: false };
    const timer = setTimeout(() => {
      result.hung = true;
      subscription.unsubscribe();
      resolve(result);
    }, ms);
    const subscription = source.subscribe({
      next: (row) => result.rows.push(row),
      error: (error: unknown) => {
        clearTimeout(timer);
        result.error = error;
        resolve(result);
      },
      complete: () => {
        clearTimeout(timer);
        result.completed = true;
        resolve(result);
      },
    });
  });
}

function codeOf(error: unknown): string | undefined {
  if (error instanceof RxpgError || error instanceof DatabaseError) return error.code;
  return undefined;
}

let server: FakeServer | undefined;
let open: Subscription | undefined;
let trap: ReturnType<typeof trapUncaught>;

beforeEach(() => {
  trap = trapUncaught();
});

afterEach(async () => {
  open?.unsubscribe();
  open = undefined;
  await server?.close();
  server = undefined;
  await sleep(20);
  trap.restore();
});

async function connectTo(
  port: number,
  options: Parameters<typeof connect>[1] = {},
): Promise<{ conn: Connection; ended: Promise<unknown> }> {
  let endedResolve: (v: unknown) => void = () => undefined;
  const ended = new Promise<unknown>((resolve) => (endedResolve = resolve));
  const conn = await new Promise<Connection>((resolve, reject) => {
    open = connect(
      { host: '127.0.0.1', port, user: 'u', dbname: 'd', sslmode: 'disable' },
      { env: CLEAN_ENV, ...options },
    ).subscribe({
      next: resolve,
      error: (e: unknown) => {
        endedResolve(e);
        reject(e);
      },
      complete: () => endedResolve('complete'),
    });
  });
  return { conn, ended };
}

describe('hostile server: malformed replies to a query', () => {
  it('a DataRow with fewer fields than its RowDescription fails the query with a code, and the next query works', async () => {
    server = await fakeServer((socket, m) => {
      if (m.type !== 'Q') return;
      if (m.sql === 'bad')
        socket.write(
          Buffer.concat([
            rowDescription(['a', 'b']),
            dataRow(['1']),
            commandComplete('SELECT 1'),
            ready(),
          ]),
        );
      else socket.write(simpleAnswer('x', ['ok']));
    });
    const { conn } = await connectTo(server.port);
    const bad = await settle(conn.query('bad'));
    expect(codeOf(bad.error)).toBe('RXPG_PROTOCOL_VIOLATION');
    const good = await settle(conn.query('good'));
    expect(good.rows).toEqual([{ x: 'ok' }]);
    expect(trap.errors).toEqual([]);
  });

  it('a DataRow whose field length lies fails with a code', async () => {
    server = await fakeServer((socket, m) => {
      if (m.type !== 'Q') return;
      const row = dataRow(['abc']);
      row.writeInt32BE(1000, 7); // the field claims 1000 bytes
      socket.write(
        Buffer.concat([rowDescription(['a']), row, commandComplete('SELECT 1'), ready()]),
      );
    });
    const { conn } = await connectTo(server.port);
    const bad = await settle(conn.query('bad'));
    expect(codeOf(bad.error)).toBe('RXPG_PROTOCOL_VIOLATION');
    expect(trap.errors).toEqual([]);
  });

  // EXPECTED: a DataRow that does not match its description is a protocol violation. The
  // generated decoder (compile-row.ts) never checks that the last field ends at the end of the
  // message, and reads an empty int4 as 0: a broken server's bytes become plausible values.
  it.each([
    [
      'trailing bytes after the last field',
      (() => {
        const row = dataRow(['1']);
        const longer = Buffer.concat([row, Buffer.from('junk')]);
        longer.writeInt32BE(row.length - 1 + 4, 1);
        return longer;
      })(),
    ],
    ['an empty int4 value', dataRow([''])],
  ])('a DataRow with %s is refused with a code', async (_name, row) => {
    server = await fakeServer((socket, m) => {
      if (m.type !== 'Q') return;
      socket.write(
        Buffer.concat([rowDescription(['a'], [23]), row, commandComplete('SELECT 1'), ready()]),
      );
    });
    const { conn } = await connectTo(server.port);
    const r = await settle(conn.query('q'));
    expect(r.rows).toEqual([]);
    expect(codeOf(r.error)).toBe('RXPG_PROTOCOL_VIOLATION');
  });

  it('an ErrorResponse with no fields still gives a DatabaseError with a code, and the connection works', async () => {
    server = await fakeServer((socket, m) => {
      if (m.type !== 'Q') return;
      if (m.sql === 'bad') socket.write(Buffer.concat([errorResponse({}), ready()]));
      else socket.write(simpleAnswer('x', ['ok']));
    });
    const { conn } = await connectTo(server.port);
    const bad = await settle(conn.query('bad'));
    expect(bad.error).toBeInstanceOf(DatabaseError);
    expect(typeof codeOf(bad.error)).toBe('string');
    expect((await settle(conn.query('good'))).rows).toEqual([{ x: 'ok' }]);
  });

  it.each([
    ['an unknown message type', msg('!', Buffer.from('x'))],
    ['a ReadyForQuery with a bad status', msg('Z', Buffer.from('Q'))],
    ['a ReadyForQuery with two status bytes', msg('Z', Buffer.from('II'))],
    ['a ParseComplete with a body', msg('1', Buffer.from('x'))],
    ['a length below 4', Buffer.from([0x44, 0, 0, 0, 1])],
    ['a negative length', Buffer.from([0x44, 0xff, 0xff, 0xff, 0xf0])],
    ['a CopyBothResponse', msg('W', Buffer.from([0, 0, 0]))],
    ['a malformed RowDescription', msg('T', Buffer.from([0, 5, 1]))],
    ['a malformed NotificationResponse', msg('A', Buffer.from([0, 0]))],
  ])('%s mid-query errors the query and the connection with a code', async (_name, bytes) => {
    server = await fakeServer((socket, m) => {
      if (m.type !== 'Q') return;
      socket.write(Buffer.concat([rowDescription(['a']), dataRow(['1']), bytes]));
    });
    const { conn, ended } = await connectTo(server.port);
    const result = await settle(conn.query('q'));
    expect(result.hung).toBe(false);
    expect(codeOf(result.error)).toMatch(/^RXPG_/);
    expect(codeOf(await ended)).toMatch(/^RXPG_/);
    expect(trap.errors).toEqual([]);
  });

  it('the server closing in the middle of a DataRow errors the query with ConnectionClosed', async () => {
    server = await fakeServer((socket, m) => {
      if (m.type !== 'Q') return;
      const row = dataRow(['abcdef']);
      socket.write(Buffer.concat([rowDescription(['a']), row.subarray(0, 8)]));
      setTimeout(() => socket.destroy(), 20);
    });
    const { conn } = await connectTo(server.port);
    const result = await settle(conn.query('q'));
    expect(codeOf(result.error)).toBe('RXPG_CONNECTION_CLOSED');
  });

  it('a NotificationResponse between DataRows goes to notifications$, rows stay intact', async () => {
    server = await fakeServer((socket, m) => {
      if (m.type !== 'Q') return;
      socket.write(
        Buffer.concat([
          rowDescription(['a']),
          dataRow(['1']),
          notification(7, 'chan', 'hello'),
          dataRow(['2']),
          commandComplete('SELECT 2'),
          ready(),
        ]),
      );
    });
    const { conn } = await connectTo(server.port);
    const notes: unknown[] = [];
    conn.notifications$.subscribe((n) => notes.push(n));
    const result = await settle(conn.query('q'));
    expect(result.rows).toEqual([{ a: '1' }, { a: '2' }]);
    expect(notes).toEqual([{ channel: 'chan', payload: 'hello', processId: 7 }]);
  });

  it('a ReadyForQuery nobody asked for ends the connection with a code, without an uncaught exception', async () => {
    server = await fakeServer((socket, m) => {
      if (m.type === 'Q') socket.write(Buffer.concat([simpleAnswer('x', ['1']), ready()]));
    });
    const { conn, ended } = await connectTo(server.port);
    const result = await settle(conn.query('q'));
    expect(result.rows).toEqual([{ x: '1' }]);
    expect(codeOf(await ended)).toBe('RXPG_PROTOCOL_VIOLATION');
    expect(trap.errors).toEqual([]);
  });
});

describe('hostile server: a server that never finishes an abandoned request', () => {
  it('an abandoned simple query on a server without BackendKeyData costs the connection within cancelTimeout; the next query does not hang', async () => {
    server = await fakeServer((socket, m) => {
      if (m.type !== 'Q') return;
      if (m.sql === 'slow') socket.write(Buffer.concat([rowDescription(['a']), dataRow(['1'])]));
      else socket.write(simpleAnswer('x', ['ok']));
    });
    const { conn } = await connectTo(server.port, { cancelTimeout: 300 });
    await firstValueFrom(conn.query('slow'));
    const next = await settle(conn.query('next'), 3000);
    expect(next.hung).toBe(false);
    expect(codeOf(next.error)).toBe('RXPG_TIMEOUT');
  });

  // EXPECTED: DESIGN §1 "A query abandoned by unsubscribe or timeout that the server does not
  // finish within a bound costs its connection, which is destroyed, never left waiting."
  // A cursor left mid-batch ('fetching') sends nothing and arms no timer (abandonment 'self'
  // returns before the cancelTimeout timer in Connection.withdraw), so the next request waits
  // forever on a server that does not finish the batch.
  it('a cursor abandoned while a batch is being fetched is bounded by cancelTimeout', async () => {
    server = await fakeServer((socket, m) => {
      if (m.type === 'Q') socket.write(simpleAnswer('x', ['ok']));
      if (m.type === 'E') {
        // Extended protocol cursor: describe, bind, then a batch that never ends.
        socket.write(
          Buffer.concat([
            parseComplete(),
            parameterDescription([]),
            rowDescription(['a']),
            bindComplete(),
            dataRow(['1']),
          ]),
        );
      }
    });
    const { conn } = await connectTo(server.port, { cancelTimeout: 300 });
    const cursor = conn.cursor('slow', [], () => Promise.resolve()).subscribe();
    await sleep(100);
    cursor.unsubscribe();
    const next = await settle(conn.query('next'), 4000);
    expect(next.hung).toBe(false);
  });

  it('a cursor abandoned while its work runs, whose Sync is never answered, is bounded by cancelTimeout', async () => {
    server = await fakeServer((socket, m) => {
      if (m.type === 'Q') socket.write(simpleAnswer('x', ['ok']));
      if (m.type === 'E')
        socket.write(
          Buffer.concat([
            parseComplete(),
            parameterDescription([]),
            rowDescription(['a']),
            bindComplete(),
            dataRow(['1']),
            portalSuspended(),
          ]),
        );
      // Sync ('S') is never answered.
    });
    const { conn } = await connectTo(server.port, { cancelTimeout: 300 });
    // The work never completes: the consumer is "working" when it leaves.
    const cursor = conn.cursor('slow', [], () => new Promise<never>(() => undefined)).subscribe();
    await sleep(100);
    cursor.unsubscribe();
    const next = await settle(conn.query('next'), 4000);
    expect(next.hung).toBe(false);
  });
});
