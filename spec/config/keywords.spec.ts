import { KEYWORDS } from '../../src/config';
import { ENVIRONMENT_VARIABLES } from '../../src/config/environment';
import { ErrorCode } from '../../src/errors';
import { errorOf, parse } from './helpers';

describe('keyword names', () => {
  const nearMisses: [string, string][] = [
    ['sslMode', 'sslmode'],
    ['ssl_mode', 'sslmode'],
    ['sslmod', 'sslmode'],
    ['hots', 'host'],
    ['database', 'dbname'],
    ['username', 'user'],
    ['applicationName', 'application_name'],
    ['connectTimeout', 'connect_timeout'],
    ['target_session_attr', 'target_session_attrs'],
    ['requireauth', 'require_auth'],
  ];

  test.each(nearMisses)('an object key %s is an error that suggests %s', (key, suggestion) => {
    const error = errorOf(() => parse({ [key]: 'x' } as never));
    expect(error.code).toBe(ErrorCode.InvalidConfig);
    expect(error.message).toBe(`invalid connection option "${key}"`);
    expect(error.hint).toBe(`did you mean "${suggestion}"?`);
  });

  test.each(nearMisses)('a conninfo keyword %s is an error that suggests %s', (key, suggestion) => {
    const error = errorOf(() => parse(`${key}=x`));
    expect(error.message).toBe(`invalid connection option "${key}"`);
    expect(error.hint).toBe(`did you mean "${suggestion}"?`);
  });

  test('a name far from every keyword gets no hint', () => {
    const error = errorOf(() => parse('frobnicate=1'));
    expect(error.message).toBe('invalid connection option "frobnicate"');
    expect(error.hint).toBeUndefined();
  });

  test('requiressl is accepted in strings only, as in libpq', () => {
    expect(parse('requiressl=1').sslmode).toBe('require');
    expect(errorOf(() => parse({ requiressl: '1' } as never)).message).toBe(
      'invalid connection option "requiressl"',
    );
  });

  test('every libpq 18 keyword is known', () => {
    expect(KEYWORDS.map((k) => k.name)).toEqual(
      expect.arrayContaining([
        'host',
        'hostaddr',
        'port',
        'dbname',
        'user',
        'password',
        'passfile',
        'service',
        'servicefile',
        'sslmode',
        'sslrootcert',
        'sslcert',
        'sslkey',
        'sslpassword',
        'sslcrl',
        'sslcrldir',
        'sslsni',
        'sslnegotiation',
        'sslcertmode',
        'sslcompression',
        'sslkeylogfile',
        'ssl_min_protocol_version',
        'ssl_max_protocol_version',
        'min_protocol_version',
        'max_protocol_version',
        'channel_binding',
        'require_auth',
        'connect_timeout',
        'application_name',
        'fallback_application_name',
        'options',
        'target_session_attrs',
        'load_balance_hosts',
        'keepalives',
        'keepalives_idle',
        'keepalives_interval',
        'keepalives_count',
        'tcp_user_timeout',
        'gssencmode',
        'krbsrvname',
        'gsslib',
        'gssdelegation',
        'requirepeer',
        'replication',
        'client_encoding',
        'scram_client_key',
        'scram_server_key',
        'oauth_issuer',
        'oauth_client_id',
        'oauth_client_secret',
        'oauth_scope',
      ]),
    );
    expect(new Set(KEYWORDS.map((k) => k.name)).size).toBe(KEYWORDS.length);
  });

  test("the environment variables are libpq's", () => {
    expect(ENVIRONMENT_VARIABLES).toEqual(
      expect.arrayContaining([
        'PGHOST',
        'PGHOSTADDR',
        'PGPORT',
        'PGDATABASE',
        'PGUSER',
        'PGPASSWORD',
        'PGPASSFILE',
        'PGSERVICE',
        'PGSERVICEFILE',
        'PGSSLMODE',
        'PGSSLROOTCERT',
        'PGSSLCERT',
        'PGSSLKEY',
        'PGSSLCRL',
        'PGSSLCRLDIR',
        'PGSSLSNI',
        'PGSSLNEGOTIATION',
        'PGSSLCERTMODE',
        'PGSSLCOMPRESSION',
        'PGSSLMINPROTOCOLVERSION',
        'PGSSLMAXPROTOCOLVERSION',
        'PGMINPROTOCOLVERSION',
        'PGMAXPROTOCOLVERSION',
        'PGCHANNELBINDING',
        'PGREQUIREAUTH',
        'PGCONNECT_TIMEOUT',
        'PGAPPNAME',
        'PGOPTIONS',
        'PGTARGETSESSIONATTRS',
        'PGLOADBALANCEHOSTS',
        'PGGSSENCMODE',
        'PGKRBSRVNAME',
        'PGGSSLIB',
        'PGGSSDELEGATION',
        'PGREQUIREPEER',
        'PGCLIENTENCODING',
      ]),
    );
  });
});

describe('options objects', () => {
  test('numbers and booleans are written as libpq reads them', () => {
    const config = parse({
      host: 'db1',
      port: 5433,
      connect_timeout: 10,
      keepalives: false,
      keepalives_idle: 30,
      sslsni: false,
      replication: false,
    });
    expect(config).toMatchObject({
      hosts: [{ host: 'db1', port: 5433 }],
      connectTimeout: 10,
      keepalives: false,
      keepalivesIdle: 30,
      sslsni: false,
    });
  });

  test('undefined, null and empty values count as not given, so the environment fills them', () => {
    const config = parse(
      { host: undefined, port: null, dbname: '', user: 'bob' },
      { PGHOST: 'envhost', PGPORT: '6000', PGDATABASE: 'envdb' },
    );
    expect(config).toMatchObject({
      hosts: [{ host: 'envhost', port: 6000 }],
      dbname: 'envdb',
      user: 'bob',
    });
  });

  test('a value of another type is an error naming the keyword', () => {
    const error = errorOf(() => parse({ host: ['a', 'b'] } as never));
    expect(error.code).toBe(ErrorCode.InvalidConfig);
    expect(error.message).toMatch(/"host"/);
    expect(errorOf(() => parse({ port: Number.NaN })).message).toMatch(/"port"/);
  });
});
