import { parseUri } from '../../src/config/uri';
import { ErrorCode } from '../../src/errors';
import { errorOf, parse } from './helpers';

describe('connection URIs', () => {
  const accepted: [string, Record<string, string>][] = [
    ['postgresql://', {}],
    ['postgres://', {}],
    ['postgresql://db1', { host: 'db1' }],
    ['postgresql://db1:5433', { host: 'db1', port: '5433' }],
    ['postgresql://db1/app', { host: 'db1', dbname: 'app' }],
    ['postgresql://ann@db1', { user: 'ann', host: 'db1' }],
    ['postgresql://ann:secret@db1', { user: 'ann', password: 'secret', host: 'db1' }],
    ['postgresql://:secret@db1', { password: 'secret', host: 'db1' }],
    ['postgresql://ann:@db1', { user: 'ann', host: 'db1' }],
    ['postgresql://a%40b:p%3Aw%2F@db1', { user: 'a@b', password: 'p:w/', host: 'db1' }],
    ['postgresql://%C3%A9mile@db1', { user: 'émile', host: 'db1' }],
    ['postgresql://[::1]:5433/app', { host: '::1', port: '5433', dbname: 'app' }],
    ['postgresql://[2001:db8::7]', { host: '2001:db8::7' }],
    ['postgresql://h1:5432,h2:5433', { host: 'h1,h2', port: '5432,5433' }],
    ['postgresql://h1,h2:5433', { host: 'h1,h2', port: ',5433' }],
    ['postgresql://h1:5432,[::1]', { host: 'h1,::1', port: '5432,' }],
    ['postgresql://h1,h2', { host: 'h1,h2', port: ',' }],
    ['postgresql://%2Ftmp%2Fpg/app', { host: '/tmp/pg', dbname: 'app' }],
    ['postgresql:///app?host=/var/run/postgresql', { dbname: 'app', host: '/var/run/postgresql' }],
    ['postgresql://:5433', { port: '5433' }],
    ['postgresql:///', {}],
    ['postgresql://db1/app/x', { host: 'db1', dbname: 'app/x' }],
    ['postgresql://db1/my%20db', { host: 'db1', dbname: 'my db' }],
    ['postgresql://db1?', { host: 'db1' }],
    ['postgresql://db1?sslmode=require&', { host: 'db1', sslmode: 'require' }],
    [
      'postgresql://db1/app?connect_timeout=10&application_name=my%20app',
      { host: 'db1', dbname: 'app', connect_timeout: '10', application_name: 'my app' },
    ],
    ['postgresql://db1?host=db2', { host: 'db2' }],
    ['postgresql://db1/a?dbname=b&dbname=c', { host: 'db1', dbname: 'c' }],
    ['postgresql://db1?ssl=true', { host: 'db1', sslmode: 'require' }],
    ['postgresql://db1?requiressl=1', { host: 'db1', sslmode: 'require' }],
    ['postgresql://db1?requiressl=0', { host: 'db1', sslmode: 'prefer' }],
    ['postgresql://db1?options=-c%20search_path%3Dx', { host: 'db1', options: '-c search_path=x' }],
    ['postgresql://db1?application_name=', { host: 'db1', application_name: '' }],
    // Encoded spaces are kept; spaces written as such around a value are dropped.
    ['postgresql://db1?application_name=%20x%20', { host: 'db1', application_name: ' x ' }],
    ['postgresql://db1?application_name= x ', { host: 'db1', application_name: 'x' }],
    ['postgresql://db1:5432x/app', { host: 'db1', port: '5432x', dbname: 'app' }],
    // libpq looks for '@' up to the first '/', so '@' in a query still splits off a user.
    ['postgresql://a:b@c@d', { user: 'a', password: 'b', host: 'c@d' }],
  ];

  test.each(accepted)('%s gives %j', (uri, expected) => {
    expect(Object.fromEntries(parseUri(uri))).toEqual(expected);
  });

  const rejected: [string, string][] = [
    [
      'postgresql://[::1',
      'end of string reached when looking for matching "]" in IPv6 host address in URI: "postgresql://[::1"',
    ],
    ['postgresql://[]:5432', 'IPv6 host address may not be empty in URI: "postgresql://[]:5432"'],
    [
      'postgresql://[::1]x/app',
      'unexpected character "x" at position 19 in URI (expected ":" or "/"): "postgresql://[::1]x/app"',
    ],
    ['postgresql://db1/%zzapp', 'invalid percent-encoded token: "%zzapp"'],
    ['postgresql://db1/app%2', 'invalid percent-encoded token: "app%2"'],
    ['postgresql://db1/a%00b', 'forbidden value %00 in percent-encoded value: "a%00b"'],
    [
      'postgresql://db1/my db',
      'unexpected spaces found in "my db", use percent-encoded spaces (%20) instead',
    ],
    [
      'postgresql://db1?sslmode',
      'missing key/value separator "=" in URI query parameter: "sslmode"',
    ],
    [
      'postgresql://db1?sslmode=require&&host=x',
      'missing key/value separator "=" in URI query parameter: ""',
    ],
    [
      'postgresql://db1?sslmode=a=b',
      'extra key/value separator "=" in URI query parameter: "sslmode"',
    ],
    ['postgresql://db1?sslmod=require', 'invalid URI query parameter: "sslmod"'],
    ['postgresql://db1?ssl=false', 'invalid URI query parameter: "ssl"'],
    ['postgresql://db1?x%zz=1', 'invalid percent-encoded token: "x%zz"'],
  ];

  test.each(rejected)('%s is refused: %s', (uri, message) => {
    const error = errorOf(() => parseUri(uri));
    expect(error.code).toBe(ErrorCode.InvalidConfig);
    expect(error.message).toBe(message);
  });

  test('an unknown query parameter gets a did-you-mean hint', () => {
    expect(errorOf(() => parseUri('postgresql://db1?sslmod=require')).hint).toBe(
      'did you mean "sslmode"?',
    );
  });

  test('a password never appears in an error message', () => {
    const cases = [
      'postgresql://ann:hunter2@[::1',
      'postgresql://ann:hunter2@[::1]x',
      'postgresql://ann:hun%zzter2@db1',
      'postgresql://ann:hunter 2@db1',
      'postgresql://db1?password=hun%zzter2',
    ];
    for (const uri of cases) {
      const error = errorOf(() => parseUri(uri));
      expect(error.message).not.toMatch(/hun/);
    }
  });

  test('the position of an unexpected character refers to the URI as shown, password masked', () => {
    expect(errorOf(() => parseUri('postgresql://u:longpassword@[::1]x')).message).toBe(
      'unexpected character "x" at position 26 in URI (expected ":" or "/"): "postgresql://u:****@[::1]x"',
    );
  });

  test('parseConfig reads a URI into hosts, ports and keywords', () => {
    const config = parse('postgres://ann:pw@h1:5432,[::1]:5433,%2Ftmp/app?sslmode=require');
    expect(config.hosts).toEqual([
      { host: 'h1', port: 5432 },
      { host: '::1', port: 5433 },
      { host: '/tmp', port: 5432 },
    ]);
    expect(config).toMatchObject({
      user: 'ann',
      password: 'pw',
      dbname: 'app',
      sslmode: 'require',
    });
  });

  test('an invalid port in a URI is reported when the port list is read', () => {
    expect(errorOf(() => parse('postgresql://db1:5432x/app')).message).toBe(
      'invalid integer value "5432x" for connection option "port"',
    );
  });

  test('a multi-host URI without ports gives every host the default port, not PGPORT (as libpq)', () => {
    expect(parse('postgresql://h1,h2', { PGPORT: '6000' }).hosts).toEqual([
      { host: 'h1', port: 5432 },
      { host: 'h2', port: 5432 },
    ]);
    expect(parse('postgresql://h1', { PGPORT: '6000' }).hosts).toEqual([
      { host: 'h1', port: 6000 },
    ]);
  });

  test('an empty path leaves PGDATABASE in force', () => {
    expect(parse('postgresql://db1/', { PGDATABASE: 'fromenv' }).dbname).toBe('fromenv');
  });
});
