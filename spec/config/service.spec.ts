import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../../src/config';
import { ErrorCode } from '../../src/errors';
import { errorOf } from './helpers';

describe('the service file', () => {
  let dir: string;
  let home: string;
  let sysconf: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxpg-service-'));
    home = path.join(dir, 'home');
    sysconf = path.join(dir, 'etc');
    fs.mkdirSync(home);
    fs.mkdirSync(sysconf);
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** parseConfig with a home folder and a PGSYSCONFDIR of the test's own. */
  function parse(input: string | undefined, env: NodeJS.ProcessEnv = {}) {
    return parseConfig(
      input,
      { PGSYSCONFDIR: sysconf, ...env },
      { homedir: home, username: 'ann' },
    );
  }

  function write(file: string, lines: string[]): string {
    fs.writeFileSync(file, lines.join('\n'));
    return file;
  }

  const USER_FILE = [
    '# my services',
    '[reports]',
    'host=reports.example',
    'port=6000',
    'dbname=reports',
    '  sslmode=verify-full  ',
    '',
    '[other]',
    'host=other.example',
  ];

  test('a service from ~/.pg_service.conf fills what the input leaves unset', () => {
    write(path.join(home, '.pg_service.conf'), USER_FILE);
    expect(parse('service=reports dbname=mine')).toMatchObject({
      hosts: [{ host: 'reports.example', port: 6000 }],
      dbname: 'mine',
      sslmode: 'verify-full',
    });
  });

  test('service values win over the environment', () => {
    write(path.join(home, '.pg_service.conf'), USER_FILE);
    expect(
      parse(undefined, { PGSERVICE: 'reports', PGHOST: 'envhost', PGUSER: 'envuser' }),
    ).toMatchObject({ hosts: [{ host: 'reports.example', port: 6000 }], user: 'envuser' });
  });

  test('a group ends at the next group', () => {
    write(path.join(home, '.pg_service.conf'), USER_FILE);
    expect(parse('service=other')).toMatchObject({
      hosts: [{ host: 'other.example', port: 5432 }],
      dbname: 'ann',
    });
  });

  test('servicefile, then PGSERVICEFILE, name the file instead of ~/.pg_service.conf', () => {
    write(path.join(home, '.pg_service.conf'), USER_FILE);
    const a = write(path.join(dir, 'a.conf'), ['[reports]', 'host=from-a']);
    const b = write(path.join(dir, 'b.conf'), ['[reports]', 'host=from-b']);
    expect(parse(`service=reports servicefile=${a}`, { PGSERVICEFILE: b }).hosts[0].host).toBe(
      'from-a',
    );
    expect(parse('service=reports', { PGSERVICEFILE: b }).hosts[0].host).toBe('from-b');
  });

  test('a service missing from the user file is looked up in PGSYSCONFDIR', () => {
    write(path.join(home, '.pg_service.conf'), USER_FILE);
    write(path.join(sysconf, 'pg_service.conf'), ['[shared]', 'host=shared.example']);
    expect(parse('service=shared').hosts[0].host).toBe('shared.example');
  });

  test('the user file wins over the system file for the same service', () => {
    write(path.join(home, '.pg_service.conf'), USER_FILE);
    write(path.join(sysconf, 'pg_service.conf'), ['[reports]', 'host=system.example']);
    expect(parse('service=reports').hosts[0].host).toBe('reports.example');
  });

  test('a group header only has to start with the name and a bracket', () => {
    write(path.join(home, '.pg_service.conf'), ['[reports] trailing', 'host=h']);
    expect(parse('service=reports').hosts[0].host).toBe('h');
  });

  test('a value keeps everything after the first "="', () => {
    write(path.join(home, '.pg_service.conf'), ['[s]', 'options=-c geqo=off']);
    expect(parse('service=s').options).toBe('-c geqo=off');
  });

  const broken: [string, string[], string][] = [
    ['no "=" in a line', ['[s]', 'host'], 'syntax error in service file "FILE", line 2'],
    ['an unknown keyword', ['[s]', 'hots=x'], 'syntax error in service file "FILE", line 2'],
    ['spaces before "="', ['[s]', 'host = x'], 'syntax error in service file "FILE", line 2'],
    [
      'a nested service',
      ['[s]', 'service=t'],
      'nested service specifications not supported in service file "FILE", line 2',
    ],
    [
      'a line too long',
      ['[s]', `options=${'x'.repeat(1100)}`],
      'line 2 too long in service file "FILE"',
    ],
  ];

  test.each(broken)('%s is an error', (_, lines, message) => {
    const file = write(path.join(home, '.pg_service.conf'), lines);
    const error = errorOf(() => parse('service=s'));
    expect(error.code).toBe(ErrorCode.InvalidConfig);
    expect(error.message).toBe(message.replace('FILE', file));
  });

  test('errors in other groups are not looked at', () => {
    write(path.join(home, '.pg_service.conf'), ['[t]', 'bogus', '[s]', 'host=h']);
    expect(parse('service=s').hosts[0].host).toBe('h');
  });

  test('an unknown service is an error', () => {
    write(path.join(home, '.pg_service.conf'), USER_FILE);
    expect(errorOf(() => parse('service=nope')).message).toBe(
      'definition of service "nope" not found',
    );
    expect(errorOf(() => parse(undefined, { PGSERVICE: 'nope' })).message).toBe(
      'definition of service "nope" not found',
    );
  });

  test('a named service file that does not exist is an error', () => {
    const file = path.join(dir, 'missing.conf');
    expect(errorOf(() => parse('service=s', { PGSERVICEFILE: file })).message).toBe(
      `service file "${file}" not found`,
    );
  });

  test('without a service, no service file is read', () => {
    write(path.join(home, '.pg_service.conf'), ['garbage']);
    expect(parse('host=h').hosts[0].host).toBe('h');
  });
});
