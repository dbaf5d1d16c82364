import { parseCommandTag } from '../../src/query/result';

describe('command tags', () => {
  it.each([
    ['SELECT 3', 'SELECT', 3],
    ['INSERT 0 5', 'INSERT', 5],
    ['UPDATE 0', 'UPDATE', 0],
    ['DELETE 12', 'DELETE', 12],
    ['MERGE 2', 'MERGE', 2],
    ['COPY 1000000', 'COPY', 1000000],
    ['FETCH 10', 'FETCH', 10],
    ['MOVE 1', 'MOVE', 1],
    ['SELECT 9007199254740991', 'SELECT', 9007199254740991],
  ])('reads %j as %s with a count of %d', (tag, command, rowCount) => {
    expect(parseCommandTag(tag)).toEqual({ command, rowCount });
  });

  it.each(['CREATE TABLE', 'SET', 'BEGIN', 'DISCARD ALL', 'ALTER DEFAULT PRIVILEGES', 'DO'])(
    'reads %j as a command without a count',
    (tag) => {
      expect(parseCommandTag(tag)).toEqual({ command: tag, rowCount: null });
    },
  );
});
