import { parse } from './helpers';

describe('precedence of parameters, environment and defaults', () => {
  const env: NodeJS.ProcessEnv = {
    PGHOST: 'envhost',
    PGPORT: '6000',
    PGUSER: 'envuser',
    PGDATABASE: 'envdb',
    PGPASSWORD: 'envpw',
    PGSSLMODE: 'require',
    PGAPPNAME: 'envapp',
    PGCONNECT_TIMEOUT: '7',
    PGTARGETSESSIONATTRS: 'standby',
    PGLOADBALANCEHOSTS: 'random',
    PGCHANNELBINDING: 'require',
    PGOPTIONS: '-c geqo=off',
    PGSSLNEGOTIATION: 'direct',
    PGSSLMINPROTOCOLVERSION: 'TLSv1.3',
    PGSSLMAXPROTOCOLVERSION: 'TLSv1.3',
    PGSSLROOTCERT: '/env/root.crt',
    PGSSLCERT: '/env/client.crt',
    PGSSLKEY: '/env/client.key',
    PGSSLCRL: '/env/crl.pem',
    PGSSLCRLDIR: '/env/crls',
    PGSSLSNI: '0',
    PGSSLCERTMODE: 'disable',
    PGREQUIREAUTH: 'scram-sha-256',
    PGHOSTADDR: '10.0.0.1',
  };

  test('the environment fills every keyword the input leaves unset', () => {
    expect(parse(undefined, env)).toMatchObject({
      hosts: [{ host: 'envhost', hostaddr: '10.0.0.1', port: 6000 }],
      user: 'envuser',
      dbname: 'envdb',
      password: 'envpw',
      passfile: undefined,
      sslmode: 'require',
      applicationName: 'envapp',
      connectTimeout: 7,
      targetSessionAttrs: 'standby',
      loadBalanceHosts: 'random',
      channelBinding: 'require',
      options: '-c geqo=off',
      sslnegotiation: 'direct',
      sslMinProtocolVersion: 'TLSv1.3',
      sslMaxProtocolVersion: 'TLSv1.3',
      sslrootcert: '/env/root.crt',
      sslcert: '/env/client.crt',
      sslkey: '/env/client.key',
      sslcertExplicit: true,
      sslcrl: '/env/crl.pem',
      sslcrldir: '/env/crls',
      sslsni: false,
      sslcertmode: 'disable',
      requireAuth: { methods: ['scram-sha-256'], negated: false },
    });
  });

  const inputs: [string, string | object][] = [
    ['URI', 'postgresql://me:pw@db1:5432/app?sslmode=verify-full&application_name=mine'],
    [
      'key=value',
      'host=db1 port=5432 user=me password=pw dbname=app sslmode=verify-full application_name=mine',
    ],
    [
      'object',
      {
        host: 'db1',
        port: 5432,
        user: 'me',
        password: 'pw',
        dbname: 'app',
        sslmode: 'verify-full',
        application_name: 'mine',
      },
    ],
  ];

  test.each(inputs)('explicit %s parameters win over the environment', (_, input) => {
    expect(parse(input, { ...env, PGHOSTADDR: undefined })).toMatchObject({
      hosts: [{ host: 'db1', port: 5432 }],
      user: 'me',
      password: 'pw',
      dbname: 'app',
      sslmode: 'verify-full',
      applicationName: 'mine',
      connectTimeout: 7,
    });
  });

  test('an empty PGHOST, PGPORT, PGUSER, PGDATABASE or PGPASSWORD counts as unset', () => {
    const empty = {
      PGHOST: '',
      PGPORT: '',
      PGUSER: '',
      PGDATABASE: '',
      PGPASSWORD: '',
      PGREQUIREAUTH: '',
    };
    expect(parse(undefined, empty)).toMatchObject({
      hosts: [{ host: '/tmp', port: 5432 }],
      user: 'ann',
      dbname: 'ann',
      password: undefined,
      passfile: '/home/ann/.pgpass',
      requireAuth: undefined,
    });
  });

  test('an empty PGSSLMINPROTOCOLVERSION means no minimum, as libpq', () => {
    expect(parse(undefined, { PGSSLMINPROTOCOLVERSION: '' }).sslMinProtocolVersion).toBe('TLSv1');
  });

  test('PGREQUIRESSL=1 means sslmode=require unless PGSSLMODE is set', () => {
    expect(parse(undefined, { PGREQUIRESSL: '1' }).sslmode).toBe('require');
    expect(parse(undefined, { PGREQUIRESSL: '0' }).sslmode).toBe('prefer');
    expect(parse(undefined, { PGREQUIRESSL: '1', PGSSLMODE: 'allow' }).sslmode).toBe('allow');
    expect(parse('sslmode=disable', { PGREQUIRESSL: '1' }).sslmode).toBe('disable');
  });

  test('PGSSLROOTCERT=system with an explicit weaker sslmode is refused', () => {
    expect(() => parse('sslmode=require', { PGSSLROOTCERT: 'system' })).toThrow(
      'weak sslmode "require" may not be used with sslrootcert=system (use "verify-full")',
    );
  });

  test('PGTZ and PGGEQO become startup settings; "default" sends nothing', () => {
    expect(parse(undefined, { PGTZ: 'Europe/Paris', PGGEQO: 'off' }).serverSettings).toEqual({
      timezone: 'Europe/Paris',
      geqo: 'off',
    });
    expect(parse(undefined, { PGTZ: 'DEFAULT' }).serverSettings).toBeUndefined();
    expect(parse(undefined, { PGDATESTYLE: 'German' }).serverSettings).toBeUndefined();
  });

  test('unrelated variables are ignored', () => {
    expect(parse(undefined, { PGFOO: 'x', PATH: '/bin' })).toEqual(parse(undefined, {}));
  });
});
