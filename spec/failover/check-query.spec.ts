import type { Socket } from 'node:net';
import { firstValueFrom, switchMap, take } from 'rxjs';
import { connect } from '../../src/connection/connect';
import { CLEAN_ENV } from '../support/outcome';
import { scriptedServer, type ScriptedServer } from '../support/scripted-server';
import { authOk, message, sessionStart } from '../unit/connect/backend-messages';

/** TEXT, BOOL: the types of the two check queries' columns. */
const TEXT_OID = 25;
const BOOL_OID = 16;

/** RowDescription, one DataRow, CommandComplete and ReadyForQuery: a one-value result. */
function oneValue(column: string, typeOid: number, value: string): Buffer {
  const field = Buffer.alloc(18);
  field.writeInt32BE(typeOid, 6);
  field.writeInt16BE(-1, 10);
  field.writeInt32BE(-1, 12);
  const count = Buffer.alloc(2);
  count.writeInt16BE(1);
  const cell = Buffer.alloc(4);
  cell.writeInt32BE(Buffer.byteLength(value));
  return Buffer.concat([
    message('T', Buffer.concat([count, Buffer.from(`${column}\0`), field])),
    message('D', Buffer.concat([count, cell, Buffer.from(value)])),
    message('C', Buffer.from('SELECT 1\0')),
    message('Z', Buffer.from('I')),
  ]);
}

/**
 * A server like those before PostgreSQL 14: it reports neither in_hot_standby nor
 * default_transaction_read_only, so the client must ask (or, with `reportsHotStandby`, only
 * in_hot_standby). `standby` says what it answers.
 */
function olderServer(standby: boolean, reportsHotStandby = false): (socket: Socket) => void {
  const hotStandby = message('S', Buffer.from(`in_hot_standby\0${standby ? 'on' : 'off'}\0`));
  return (socket) => {
    let pending = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const offset = started ? 1 : 0;
        if (pending.length < offset + 4) return;
        const end = offset + pending.readInt32BE(offset);
        if (pending.length < end) return;
        const type = started ? String.fromCharCode(pending[0]) : 'startup';
        const body = pending.subarray(offset + 4, end).toString();
        pending = pending.subarray(end);
        if (type === 'startup') {
          started = true;
          const reported = reportsHotStandby ? [hotStandby] : [];
          socket.write(Buffer.concat([authOk(), ...reported, sessionStart()]));
        } else if (type === 'Q' && body.includes('transaction_read_only')) {
          socket.write(oneValue('transaction_read_only', TEXT_OID, standby ? 'on' : 'off'));
        } else if (type === 'Q' && body.includes('pg_is_in_recovery')) {
          socket.write(oneValue('recovery', BOOL_OID, standby ? 't' : 'f'));
        } else if (type === 'Q') {
          socket.write(oneValue('server', TEXT_OID, standby ? 'standby' : 'primary'));
        } else if (type === 'X') {
          socket.end();
        }
      }
    });
  };
}

describe('target_session_attrs against servers that do not report in_hot_standby', () => {
  const servers: ScriptedServer[] = [];
  beforeAll(async () => {
    servers.push(await scriptedServer(olderServer(false)), await scriptedServer(olderServer(true)));
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
  });

  const landing = (ports: readonly number[], attrs: string) =>
    firstValueFrom(
      connect(
        {
          host: ports.map(() => '127.0.0.1').join(','),
          port: ports.join(','),
          user: 'ann',
          dbname: 'app',
          sslmode: 'disable',
          target_session_attrs: attrs,
        },
        { env: CLEAN_ENV },
      ).pipe(
        switchMap((conn) => conn.query<{ server: string }>('select which')),
        take(1),
      ),
    ).then((row) => row.server);

  it.each([
    ['read-write', 'primary', 'show transaction_read_only'],
    ['read-only', 'standby', 'show transaction_read_only'],
    ['primary', 'primary', 'pg_is_in_recovery()'],
    ['standby', 'standby', 'pg_is_in_recovery()'],
    ['prefer-standby', 'standby', 'pg_is_in_recovery()'],
  ])('%s finds the %s by asking %s', async (attrs, found, asked) => {
    const [primary, standby] = servers;
    for (const ports of [
      [primary.port, standby.port],
      [standby.port, primary.port],
    ]) {
      const before = servers.map((s) => s.connections());
      expect(await landing(ports, attrs)).toBe(found);
      const sent = servers.flatMap((s, i) => s.received.slice(before[i]));
      expect(sent.some((bytes) => bytes.toString().includes(asked))).toBe(true);
    }
  });

  it('primary and standby need no query when only in_hot_standby is reported; read-write does', async () => {
    const reporting = [
      await scriptedServer(olderServer(false, true)),
      await scriptedServer(olderServer(true, true)),
    ];
    try {
      const [primary, standby] = reporting;
      const ports = [primary.port, standby.port];
      const asked = () =>
        reporting.flatMap((s) => s.received).some((b) => b.toString().includes('select pg_'));
      expect(await landing(ports, 'standby')).toBe('standby');
      expect(await landing(ports, 'primary')).toBe('primary');
      expect(asked()).toBe(false);
      const before = reporting.map((s) => s.connections());
      expect(await landing([standby.port, primary.port], 'read-write')).toBe('primary');
      const sent = reporting.flatMap((s, i) => s.received.slice(before[i]));
      expect(sent.some((b) => b.toString().includes('show transaction_read_only'))).toBe(true);
    } finally {
      for (const server of reporting) await server.close();
    }
  });
});
