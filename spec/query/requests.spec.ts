import { Observable } from 'rxjs';
import type { Request } from '../../src/connection/request';
import { DatabaseError, ErrorCode } from '../../src/errors';
import type { BackendMessage, FieldDescription } from '../../src/protocol/messages';
import { ExtendedQuery } from '../../src/query/extended-query';
import { resultsOutput, rowsOutput, type QueryOutput } from '../../src/query/query-output';
import { SimpleQuery } from '../../src/query/simple-query';
import { StatementCache } from '../../src/query/statement-cache';
import { TypeOid } from '../../src/query/types';

type Event = ['next', unknown] | ['error', unknown] | ['complete'];

/** Builds a request on a live subscriber and records what reaches it. */
function subscribe<T>(
  shape: (subscriber: import('rxjs').Subscriber<T>) => QueryOutput,
  make: (output: QueryOutput) => Request,
): { request: Request; events: Event[] } {
  const events: Event[] = [];
  let request: Request | undefined;
  new Observable<T>((subscriber) => {
    request = make(shape(subscriber));
  }).subscribe({
    next: (value) => events.push(['next', value]),
    error: (error: unknown) => events.push(['error', error]),
    complete: () => events.push(['complete']),
  });
  if (request === undefined) throw new Error('not built');
  return { request, events };
}

function field(name: string, typeId: number): FieldDescription {
  return { name, typeId, tableId: 0, columnId: 0, typeSize: -1, typeModifier: -1, format: 'text' };
}

/** A DataRow body: Int16 count, then each value as Int32 length and bytes (-1 for NULL). */
function dataRow(values: (string | null)[]): Buffer {
  const parts = [Buffer.from([values.length >> 8, values.length & 0xff])];
  for (const value of values) {
    const length = Buffer.alloc(4);
    length.writeInt32BE(value === null ? -1 : Buffer.byteLength(value));
    parts.push(length);
    if (value !== null) parts.push(Buffer.from(value));
  }
  return Buffer.concat(parts);
}

function feed(request: Request, ...messages: (BackendMessage | Buffer)[]): void {
  for (const message of messages) {
    if (Buffer.isBuffer(message)) request.row(message, 0, message.length);
    else request.message(message);
  }
}

/** The type letters of the frontend messages in `bytes`. */
function letters(bytes: Buffer): string {
  let out = '';
  for (let at = 0; at < bytes.length; at += 1 + bytes.readInt32BE(at + 1)) {
    out += String.fromCharCode(bytes[at]);
  }
  return out;
}

const error = (code: string): BackendMessage => ({
  name: 'error',
  fields: { code, severity: 'ERROR', message: `failed with ${code}` },
});

/** A cache holding `sql` as prepared by an earlier execution. */
function cacheWith(sql: string, parameterCount: number, fields: FieldDescription[]) {
  const cache = new StatementCache(10);
  const statement = cache.add(sql);
  cache.parsed(statement);
  statement.parameterCount = parameterCount;
  statement.fields = fields;
  return { cache, statement };
}

describe('an extended query', () => {
  const sql = 'select n from t';
  const fields = [field('n', TypeOid.int4)];

  it('announces columns at BindComplete, then emits rows as decoded', () => {
    const columns: string[] = [];
    const { request, events } = subscribe(
      rowsOutput,
      (output) =>
        new ExtendedQuery(
          sql,
          [],
          output,
          { onColumns: (c) => columns.push(c[0].name) },
          undefined,
        ),
    );
    expect(letters(request.start())).toBe('PDBES');
    feed(request, { name: 'parseComplete' }, { name: 'parameterDescription', typeIds: [] });
    feed(request, { name: 'rowDescription', fields });
    expect(columns).toEqual([]);
    feed(request, { name: 'bindComplete' }, dataRow(['1']), dataRow([null]));
    expect(columns).toEqual(['n']);
    feed(request, { name: 'commandComplete', tag: 'SELECT 2' });
    expect(request.done('I')).toBe(false);
    expect(events).toEqual([['next', { n: 1 }], ['next', { n: null }], ['complete']]);
  });

  it('skips Parse for a cached statement', () => {
    const { cache, statement } = cacheWith(sql, 0, fields);
    const { request } = subscribe(
      rowsOutput,
      (output) => new ExtendedQuery(sql, [], output, {}, cache),
    );
    expect(letters(request.start())).toBe('BES');
    expect(statement.name).toBe('rxpg_1');
  });

  it('runs a stale cached statement again, prepared anew, outside a transaction', () => {
    const { cache, statement } = cacheWith(sql, 0, fields);
    const { request, events } = subscribe(
      rowsOutput,
      (output) => new ExtendedQuery(sql, [], output, {}, cache),
    );
    request.start();
    feed(request, error('0A000'));
    expect(request.done('I')).toBe(true);
    expect(events).toEqual([]);
    // The stale statement is closed ahead of the new Parse.
    expect(letters(request.start())).toBe('CPDBES');
    expect(cache.get(sql)).not.toBe(statement);
  });

  it('lets a stale statement’s error surface inside a failed transaction', () => {
    const { cache } = cacheWith(sql, 0, fields);
    const { request, events } = subscribe(
      rowsOutput,
      (output) => new ExtendedQuery(sql, [], output, {}, cache),
    );
    request.start();
    feed(request, error('0A000'));
    expect(request.done('E')).toBe(false);
    expect(events).toEqual([['error', expect.objectContaining({ code: '0A000' })]]);
    expect(cache.get(sql)).toBeUndefined();
  });

  it('does not retry when the statement it prepared afresh fails too', () => {
    const { cache } = cacheWith(sql, 0, fields);
    const { request, events } = subscribe(
      rowsOutput,
      (output) => new ExtendedQuery(sql, [], output, {}, cache),
    );
    request.start();
    feed(request, error('26000'));
    expect(request.done('I')).toBe(true);
    request.start();
    feed(request, error('0A000'));
    expect(request.done('I')).toBe(false);
    expect(events).toEqual([['error', expect.any(DatabaseError)]]);
  });

  it('turns the server’s answer to a wrong parameter count into a coded error', () => {
    const { request, events } = subscribe(
      rowsOutput,
      (output) => new ExtendedQuery('select $1::int + $2::int', [1], output, {}, undefined),
    );
    request.start();
    feed(request, { name: 'parseComplete' }, { name: 'parameterDescription', typeIds: [23, 23] });
    feed(request, { name: 'rowDescription', fields }, error('08P01'));
    request.done('I');
    expect(events).toEqual([
      [
        'error',
        expect.objectContaining({
          code: ErrorCode.InvalidParameter,
          message: 'the statement takes 2 parameters but 1 was given',
          cause: expect.any(DatabaseError),
        }),
      ],
    ]);
  });

  it('refuses a wrong count for a cached statement before encoding anything', () => {
    const { cache } = cacheWith(sql, 1, fields);
    const { request } = subscribe(
      rowsOutput,
      (output) => new ExtendedQuery(sql, [1, 2], output, {}, cache),
    );
    expect(() => request.start()).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidParameter }),
    );
  });

  it('errors at once on a value it cannot decode, without waiting for the server', () => {
    const { request, events } = subscribe(
      rowsOutput,
      (output) => new ExtendedQuery(sql, [], output, {}, undefined),
    );
    request.start();
    feed(request, { name: 'rowDescription', fields }, { name: 'bindComplete' });
    feed(request, dataRow(['x1']), dataRow(['2']));
    expect(events).toEqual([
      ['error', expect.objectContaining({ code: ErrorCode.ProtocolViolation })],
    ]);
  });
});

describe('a simple query with Results', () => {
  it('emits one Result per statement, with its tag, count, columns and rows', () => {
    const { request, events } = subscribe(
      resultsOutput,
      (output) =>
        new SimpleQuery('create table t (n int); select 1 as n, 2 as n', output, {
          rowMode: 'array',
        }),
    );
    feed(request, { name: 'commandComplete', tag: 'CREATE TABLE' });
    feed(request, {
      name: 'rowDescription',
      fields: [field('n', TypeOid.int4), field('n', TypeOid.int4)],
    });
    feed(request, dataRow(['1', '2']), { name: 'commandComplete', tag: 'SELECT 1' });
    request.done('I');
    expect(events).toEqual([
      [
        'next',
        { command: 'CREATE TABLE', rowCount: null, tag: 'CREATE TABLE', columns: [], rows: [] },
      ],
      [
        'next',
        {
          command: 'SELECT',
          rowCount: 1,
          tag: 'SELECT 1',
          columns: [
            expect.objectContaining({ name: 'n' }),
            expect.objectContaining({ name: 'n_2' }),
          ],
          rows: [[1, 2]],
        },
      ],
      ['complete'],
    ]);
  });

  it('emits no Result for the statement that failed, then the error', () => {
    const { request, events } = subscribe(
      resultsOutput,
      (output) => new SimpleQuery('select 1 as n; select 1/0', output, {}),
    );
    feed(request, { name: 'rowDescription', fields: [field('n', TypeOid.int4)] }, dataRow(['1']));
    feed(request, { name: 'commandComplete', tag: 'SELECT 1' });
    feed(request, { name: 'rowDescription', fields: [field('q', TypeOid.int4)] });
    feed(request, error('22012'));
    request.done('I');
    expect(events.map((e) => e[0])).toEqual(['next', 'error']);
    expect(events[1][1]).toMatchObject({ code: '22012', query: 'select 1 as n; select 1/0' });
  });
});
