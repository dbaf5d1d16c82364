import { take, toArray, lastValueFrom } from 'rxjs';
import { DatabaseError, ErrorCode, RxpgError } from '../../src/errors';
import {
  isTransactionRollback,
  SqlState,
  SqlStateClass,
  sqlStateClass,
  sqlStateClassName,
} from '../../src/errors-sqlstate';
import { all, failure, open, paramsOf, useConnection } from '../query/live';
import { useCluster } from '../support/cluster';

describe('server errors', () => {
  const cluster = useCluster();
  const conn = useConnection(cluster);

  beforeAll(async () => {
    await cluster().admin(`
      create domain positive as int constraint must_be_positive check (value > 0);
      create table accounts (
        id int constraint accounts_pk primary key,
        owner text not null,
        balance positive
      );
      insert into accounts values (1, 'ada', 10);
    `);
  });

  async function databaseError(sql: string, params?: readonly unknown[]): Promise<DatabaseError> {
    const error = await failure(
      params === undefined ? conn().query(sql) : conn().executeStatement(sql, params),
    );
    expect(error).toBeInstanceOf(DatabaseError);
    return error as DatabaseError;
  }

  it('carries code, severity, message, position, source location and the SQL', async () => {
    const sql = 'select * from no_such_table';
    const error = await databaseError(sql);
    expect(error).toMatchObject({
      name: 'DatabaseError',
      code: SqlState.UndefinedTable,
      severity: 'ERROR',
      message: 'relation "no_such_table" does not exist',
      position: '15',
      query: sql,
      file: expect.stringMatching(/\.c$/),
      line: expect.stringMatching(/^\d+$/),
      routine: expect.any(String),
    });
  });

  it('carries detail, schema, table and constraint for a unique violation', async () => {
    const sql = 'insert into accounts (id, owner) values ($1, $2)';
    const error = await databaseError(sql, [1, 'bob']);
    expect(error).toMatchObject({
      code: SqlState.UniqueViolation,
      detail: 'Key (id)=(1) already exists.',
      schema: 'public',
      table: 'accounts',
      constraint: 'accounts_pk',
      query: sql,
    });
    expect(sqlStateClass(error.code)).toBe(SqlStateClass.IntegrityConstraintViolation);
    expect(sqlStateClassName(error.code)).toBe('IntegrityConstraintViolation');
  });

  it('carries the column for a not-null violation', async () => {
    const error = await databaseError('insert into accounts (id, owner) values ($1, $2)', [
      2,
      null,
    ]);
    expect(error).toMatchObject({
      code: SqlState.NotNullViolation,
      table: 'accounts',
      column: 'owner',
    });
  });

  it('carries the data type and constraint for a domain check', async () => {
    const error = await databaseError('select $1::positive', [-1]);
    expect(error).toMatchObject({
      code: SqlState.CheckViolation,
      schema: 'public',
      dataType: 'positive',
      constraint: 'must_be_positive',
    });
  });

  it('carries a hint', async () => {
    const error = await databaseError('select no_such_function(1)');
    expect(error.code).toBe(SqlState.UndefinedFunction);
    expect(error.hint).toMatch(/No function matches/);
  });

  it('carries the internal query, internal position and context of PL/pgSQL', async () => {
    const error = await databaseError('do $$ begin perform no_such_column from accounts; end $$');
    expect(error).toMatchObject({
      code: SqlState.UndefinedColumn,
      internalQuery: 'SELECT no_such_column from accounts',
      internalPosition: '8',
      where: expect.stringContaining('PL/pgSQL function inline_code_block line 1 at PERFORM'),
    });
  });

  it('carries every field RAISE can set', async () => {
    const error = await databaseError(`do $$ begin
      raise exception 'custom failure' using errcode = 'P0099', detail = 'the detail',
        hint = 'the hint', schema = 's', table = 't', column = 'c', datatype = 'd',
        constraint = 'k';
    end $$`);
    expect(error).toMatchObject({
      code: 'P0099',
      severity: 'ERROR',
      message: 'custom failure',
      detail: 'the detail',
      hint: 'the hint',
      schema: 's',
      table: 't',
      column: 'c',
      dataType: 'd',
      constraint: 'k',
      where: expect.stringContaining('PL/pgSQL'),
    });
    expect(sqlStateClass(error.code)).toBe(SqlStateClass.PlpgsqlError);
  });

  it('classes serialization failures and deadlocks as retryable', async () => {
    const error = await databaseError(
      "do $$ begin raise exception 'conflict' using errcode = 'serialization_failure'; end $$",
    );
    expect(error.code).toBe(SqlState.SerializationFailure);
    expect(isTransactionRollback(error.code)).toBe(true);
    expect(isTransactionRollback(SqlState.DeadlockDetected)).toBe(true);
    expect(isTransactionRollback(SqlState.UniqueViolation)).toBe(false);
  });

  it('a closed connection refuses queries with a stable code', async () => {
    const closing = await open(paramsOf(cluster()));
    closing.close();
    const error = await failure(closing.query('select 1'));
    expect(error).toBeInstanceOf(RxpgError);
    expect(error).toMatchObject({ code: ErrorCode.ConnectionUnusable, hint: expect.any(String) });
  });
});

describe('notices and parameter changes', () => {
  const cluster = useCluster();
  const conn = useConnection(cluster);

  it('RAISE NOTICE and WARNING reach notices$, with their fields, and nothing is printed', async () => {
    const spies = [
      jest.spyOn(console, 'log'),
      jest.spyOn(console, 'info'),
      jest.spyOn(console, 'warn'),
      jest.spyOn(console, 'error'),
      jest.spyOn(process.stdout, 'write'),
      jest.spyOn(process.stderr, 'write'),
    ];
    try {
      const notices = lastValueFrom(conn().notices$.pipe(take(2), toArray()));
      const rows = await all(
        conn().query(`
          do $$ begin
            raise notice 'hello %', 42 using detail = 'some detail';
            raise warning 'careful' using hint = 'a hint';
          end $$;
          select 1 as after`),
      );
      expect(rows).toEqual([{ after: 1 }]);
      expect(await notices).toEqual([
        expect.objectContaining({
          severity: 'NOTICE',
          code: '00000',
          message: 'hello 42',
          detail: 'some detail',
        }),
        expect.objectContaining({
          severity: 'WARNING',
          code: '01000',
          message: 'careful',
          hint: 'a hint',
        }),
      ]);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('a notice between rows leaves the rows intact', async () => {
    await all(
      conn().query(`create function noisy(i int) returns int language plpgsql as $$
        begin raise notice 'row %', i; return i; end $$`),
    );
    const notices = lastValueFrom(conn().notices$.pipe(take(3), toArray()));
    const rows = await all(
      conn().executeStatement('select noisy(i) as i from generate_series(1, $1::int) i', [3]),
    );
    expect(rows).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
    expect((await notices).map((n) => n.message)).toEqual(['row 1', 'row 2', 'row 3']);
  });

  it('SET TimeZone updates serverParameters and parameterChanges$', async () => {
    const change = lastValueFrom(conn().parameterChanges$.pipe(take(1)));
    await all(conn().query("set TimeZone = 'Europe/Paris'"));
    expect(await change).toEqual({ name: 'TimeZone', value: 'Europe/Paris' });
    expect(conn().serverParameters.get('TimeZone')).toBe('Europe/Paris');
    // An instant stays the same instant whatever the session's zone.
    const [row] = await all(
      conn().query<{ at: Date; text: string }>(
        "select '2024-07-01 12:00:00+00'::timestamptz as at, '2024-07-01 12:00:00+00'::timestamptz::text as text",
      ),
    );
    expect(row).toEqual({ at: new Date('2024-07-01T12:00:00Z'), text: '2024-07-01 14:00:00+02' });
  });

  it('SET application_name shows in serverParameters', async () => {
    await all(conn().query("set application_name = 'reports'"));
    expect(conn().serverParameters.get('application_name')).toBe('reports');
  });
});
