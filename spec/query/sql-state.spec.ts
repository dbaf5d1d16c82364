import {
  isTransactionRollback,
  SqlState,
  SqlStateClass,
  sqlStateClass,
  sqlStateClassName,
} from '../../src/errors-sqlstate';

describe('SQLSTATE codes and classes', () => {
  it('names the common codes', () => {
    expect(SqlState.UniqueViolation).toBe('23505');
    expect(SqlState.SerializationFailure).toBe('40001');
    expect(SqlState.UndefinedTable).toBe('42P01');
  });

  it('gives every code five characters, in a listed class', () => {
    for (const code of Object.values(SqlState)) {
      expect(code).toMatch(/^[0-9A-Z]{5}$/);
      expect(sqlStateClassName(code)).toBeDefined();
    }
  });

  it('lists each code and each class once', () => {
    const codes = Object.values(SqlState);
    expect(new Set(codes).size).toBe(codes.length);
    const classes = Object.values(SqlStateClass);
    expect(new Set(classes).size).toBe(classes.length);
  });

  it('reads the class of a code, listed or not', () => {
    expect(sqlStateClass('23505')).toBe(SqlStateClass.IntegrityConstraintViolation);
    expect(sqlStateClassName('23505')).toBe('IntegrityConstraintViolation');
    expect(sqlStateClass('2BP01')).toBe('2B');
    expect(sqlStateClassName('ZZ000')).toBeUndefined();
  });

  it('calls class 40 retryable and nothing else', () => {
    expect(isTransactionRollback(SqlState.SerializationFailure)).toBe(true);
    expect(isTransactionRollback(SqlState.DeadlockDetected)).toBe(true);
    expect(isTransactionRollback('40003')).toBe(true);
    expect(isTransactionRollback(SqlState.UniqueViolation)).toBe(false);
    expect(isTransactionRollback(SqlState.QueryCanceled)).toBe(false);
  });
});
