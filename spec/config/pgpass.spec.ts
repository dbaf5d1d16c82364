import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lookupPassword, lookupPasswordFor } from '../../src/config';
import { parse } from './helpers';

const posixOnly = process.platform === 'win32' ? test.skip : test;

describe('the password file', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxpg-pgpass-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function passfile(content: string, mode = 0o600): string {
    const file = path.join(dir, 'pgpass');
    fs.writeFileSync(file, content);
    fs.chmodSync(file, mode);
    return file;
  }

  const FILE = [
    '# comment:*:*:*:never',
    'db1:5432:app:ann:exact',
    'db1:*:*:bob:anyport',
    '*:*:wild:*:wildcard',
    'localhost:5432:local:ann:onlocalhost',
    '/var/run/postgresql:5432:sock:ann:onsocket',
    'db\\:colon:5432:app:ann:escapedhost',
    'db2:5432:app:ann:pa\\:ss\\\\word:trailing',
    'db3:5432:app:ann:',
    'db4:5432:app:ann',
    '10.0.0.5:5432:app:ann:byaddr',
    'db5:5432:app:ann:first',
    'db5:5432:app:ann:second',
    'db6:5432:a\\*:ann:literalstar',
    'crlf:5432:app:ann:windows\r',
    '',
  ].join('\n');

  const lookups: [string, string, string | number, string, string, string | undefined][] = [
    ['exact match', 'db1', 5432, 'app', 'ann', 'exact'],
    ['port as a string', 'db1', '5432', 'app', 'ann', 'exact'],
    ['wildcard port and dbname', 'db1', 6000, 'other', 'bob', 'anyport'],
    ['wildcard host and user', 'anything', 1, 'wild', 'zed', 'wildcard'],
    ['no line matches', 'db1', 5432, 'app', 'carl', undefined],
    ['localhost for the default socket folder', '/tmp', 5432, 'local', 'ann', 'onlocalhost'],
    ['localhost for an empty host', '', 5432, 'local', 'ann', 'onlocalhost'],
    ['localhost as a TCP host name', 'localhost', 5432, 'local', 'ann', 'onlocalhost'],
    [
      'another socket folder matches only itself',
      '/var/run/postgresql',
      5432,
      'sock',
      'ann',
      'onsocket',
    ],
    [
      'another socket folder is not localhost',
      '/var/run/postgresql',
      5432,
      'local',
      'ann',
      undefined,
    ],
    ['an empty port is 5432', 'db1', '', 'app', 'ann', 'exact'],
    ['escaped colon in a field', 'db:colon', 5432, 'app', 'ann', 'escapedhost'],
    ['escapes in the password, which ends at a colon', 'db2', 5432, 'app', 'ann', 'pa:ss\\word'],
    ['an empty password counts as none', 'db3', 5432, 'app', 'ann', undefined],
    ['a line with four fields never matches', 'db4', 5432, 'app', 'ann', undefined],
    ['a hostaddr as the host', '10.0.0.5', 5432, 'app', 'ann', 'byaddr'],
    ['the first matching line wins', 'db5', 5432, 'app', 'ann', 'first'],
    ['an escaped star is a star', 'db6', 5432, 'a*', 'ann', 'literalstar'],
    ['an escaped star matches nothing else', 'db6', 5432, 'ab', 'ann', undefined],
    ['a carriage return is stripped', 'crlf', 5432, 'app', 'ann', 'windows'],
    ['comment lines are skipped', 'comment', 5432, 'x', 'y', undefined],
    ['an empty dbname looks up nothing', '*', 5432, '', 'ann', undefined],
    ['an empty user looks up nothing', 'db1', 5432, 'app', '', undefined],
  ];

  test.each(lookups)('%s', (_, host, port, dbname, user, expected) => {
    expect(lookupPassword(passfile(FILE), host, port, dbname, user)).toBe(expected);
  });

  test('a missing file gives nothing and no warning', () => {
    const warnings: string[] = [];
    const file = path.join(dir, 'missing');
    expect(
      lookupPassword(file, 'db1', 5432, 'app', 'ann', (w) => warnings.push(w)),
    ).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  posixOnly.each([0o640, 0o604, 0o660, 0o700 | 0o010])(
    'a file with mode %o is ignored with a warning',
    (mode) => {
      const warnings: string[] = [];
      const file = passfile(FILE, mode);
      expect(
        lookupPassword(file, 'db1', 5432, 'app', 'ann', (w) => warnings.push(w)),
      ).toBeUndefined();
      expect(warnings).toEqual([
        `password file "${file}" has group or world access; permissions should be u=rw (0600) or less`,
      ]);
    },
  );

  posixOnly('a file with mode 0400 is read', () => {
    expect(lookupPassword(passfile(FILE, 0o400), 'db1', 5432, 'app', 'ann')).toBe('exact');
  });

  test('a folder is not a password file', () => {
    const warnings: string[] = [];
    expect(lookupPassword(dir, 'db1', 5432, 'app', 'ann', (w) => warnings.push(w))).toBeUndefined();
    expect(warnings).toEqual([`password file "${dir}" is not a plain file`]);
  });

  test('lookupPasswordFor keys on the host name, else the hostaddr, of a parsed config', () => {
    const file = passfile(FILE);
    const byName = parse(`host=db1 dbname=app user=ann passfile=${file}`);
    expect(lookupPasswordFor(byName, byName.hosts[0])).toBe('exact');
    const byAddr = parse(`hostaddr=10.0.0.5 dbname=app user=ann passfile=${file}`);
    expect(lookupPasswordFor(byAddr, byAddr.hosts[0])).toBe('byaddr');
    const withPassword = parse(`host=db1 dbname=app user=ann password=given passfile=${file}`);
    expect(lookupPasswordFor(withPassword, withPassword.hosts[0])).toBeUndefined();
  });
});
