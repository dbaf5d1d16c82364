import { parseConfig } from '../../src/config';
import { parse } from './helpers';

describe('defaults', () => {
  test('no input and no environment: the default socket folder, OS user, files under home', () => {
    expect(parse(undefined)).toEqual({
      hosts: [{ host: '/tmp', port: 5432 }],
      user: 'ann',
      password: undefined,
      passfile: '/home/ann/.pgpass',
      dbname: 'ann',
      sslmode: 'prefer',
      sslnegotiation: 'postgres',
      sslrootcert: '/home/ann/.postgresql/root.crt',
      sslcert: '/home/ann/.postgresql/postgresql.crt',
      sslkey: '/home/ann/.postgresql/postgresql.key',
      sslcertExplicit: false,
      sslpassword: undefined,
      sslcrl: '/home/ann/.postgresql/root.crl',
      sslcrldir: undefined,
      sslsni: true,
      sslMinProtocolVersion: 'TLSv1.2',
      sslMaxProtocolVersion: undefined,
      sslcertmode: 'allow',
      sslkeylogfile: undefined,
      channelBinding: 'prefer',
      requireAuth: undefined,
      connectTimeout: undefined,
      applicationName: undefined,
      fallbackApplicationName: undefined,
      options: undefined,
      targetSessionAttrs: 'any',
      loadBalanceHosts: 'disable',
      keepalives: true,
      keepalivesIdle: undefined,
      keepalivesInterval: undefined,
      keepalivesCount: undefined,
      tcpUserTimeout: undefined,
      serverSettings: undefined,
    });
  });

  test('an empty string is the same as no input', () => {
    expect(parse('')).toEqual(parse(undefined));
  });

  test("HOME, when set and not empty, is the home folder; else the account's", () => {
    expect(parse(undefined, { HOME: '/srv/home' })).toMatchObject({
      passfile: '/srv/home/.pgpass',
      sslrootcert: '/srv/home/.postgresql/root.crt',
    });
    expect(parse(undefined, { HOME: '' }).passfile).toBe('/home/ann/.pgpass');
  });

  test('without any home folder, no file under home is named', () => {
    const config = parseConfig(undefined, {}, { homedir: '', username: 'ann' });
    expect(config).toMatchObject({ passfile: undefined, sslrootcert: '', sslcert: '', sslkey: '' });
  });

  test('the default database is the user, wherever the user came from', () => {
    expect(parse('user=bob').dbname).toBe('bob');
    expect(parse(undefined, { PGUSER: 'carl' }).dbname).toBe('carl');
  });

  test('sslrootcert=system makes verify-full the default sslmode', () => {
    expect(parse('sslrootcert=system')).toMatchObject({
      sslmode: 'verify-full',
      sslrootcert: 'system',
    });
    expect(parse(undefined, { PGSSLROOTCERT: 'system' }).sslmode).toBe('verify-full');
  });

  test('explicit certificate files are kept and marked as explicit', () => {
    expect(parse('sslcert=/c.crt')).toMatchObject({
      sslcert: '/c.crt',
      sslkey: '/home/ann/.postgresql/postgresql.key',
      sslcertExplicit: true,
    });
    expect(parse('sslkey=/c.key').sslcertExplicit).toBe(true);
    expect(parse("sslcert=''").sslcertExplicit).toBe(false);
  });

  test('a password given means no password file', () => {
    expect(parse('password=pw passfile=/p')).toMatchObject({ password: 'pw', passfile: undefined });
    expect(parse("password='' passfile=/p")).toMatchObject({ password: undefined, passfile: '/p' });
    expect(parse(undefined, { PGPASSFILE: '/env/pgpass' }).passfile).toBe('/env/pgpass');
  });

  test('an explicit empty host, port, user or dbname falls back to the default, not the environment', () => {
    const env = { PGHOST: 'envhost', PGPORT: '6000', PGUSER: 'envuser', PGDATABASE: 'envdb' };
    expect(parse("host='' port='' user='' dbname=''", env)).toMatchObject({
      hosts: [{ host: '/tmp', port: 5432 }],
      user: 'ann',
      dbname: 'ann',
    });
  });
});
