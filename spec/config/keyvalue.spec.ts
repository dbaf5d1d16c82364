import { parseKeyValue } from '../../src/config/keyvalue';
import { ErrorCode } from '../../src/errors';
import { errorOf } from './helpers';

describe('keyword=value connection strings', () => {
  const accepted: [string, Record<string, string>][] = [
    ['', {}],
    ['   \t\n ', {}],
    ['host=db1', { host: 'db1' }],
    ['host=db1 port=5433 dbname=app', { host: 'db1', port: '5433', dbname: 'app' }],
    ['host = db1   port\t=\t5433', { host: 'db1', port: '5433' }],
    ['host=db1 host=db2', { host: 'db2' }],
    ["password='two words'", { password: 'two words' }],
    ["password='it\\'s'", { password: "it's" }],
    ["password='back\\\\slash'", { password: 'back\\slash' }],
    ["password=it\\'s", { password: "it's" }],
    ['password=two\\ words', { password: 'two words' }],
    ["application_name=''", { application_name: '' }],
    ['application_name=', { application_name: '' }],
    ['application_name= port=5433', { application_name: 'port=5433' }],
    ["options='-c geqo=off' host=db1", { options: '-c geqo=off', host: 'db1' }],
    ["host='db1'port=5433", { host: 'db1', port: '5433' }],
    ['host=a=b', { host: 'a=b' }],
    ['dbname=x\\', { dbname: 'x' }],
    ['requiressl=1', { sslmode: 'require' }],
    ['sslmode=disable requiressl=1', { sslmode: 'require' }],
  ];

  test.each(accepted)('%j gives %j', (conninfo, expected) => {
    expect(Object.fromEntries(parseKeyValue(conninfo))).toEqual(expected);
  });

  const rejected: [string, string][] = [
    ['host', 'missing "=" after "host" in connection info string'],
    ['host db1', 'missing "=" after "host" in connection info string'],
    ['host=db1 port', 'missing "=" after "port" in connection info string'],
    ["password='open", 'unterminated quoted string in connection info string'],
    ["password='open\\'", 'unterminated quoted string in connection info string'],
    ['hots=db1', 'invalid connection option "hots"'],
    ['=db1', 'invalid connection option ""'],
    ['HOST=db1', 'invalid connection option "HOST"'],
  ];

  test.each(rejected)('%j is refused: %s', (conninfo, message) => {
    const error = errorOf(() => parseKeyValue(conninfo));
    expect(error.code).toBe(ErrorCode.InvalidConfig);
    expect(error.message).toBe(message);
  });

  test('the word after an unquoted password with a space is not shown', () => {
    const error = errorOf(() => parseKeyValue('user=ann password=two words'));
    expect(error.message).toBe(
      'missing "=" after the word that follows password in connection info string',
    );
    expect(error.hint).toMatch(/quote/);
  });
});
