import { isUnixSocketPath, type HostTarget } from '../../src/config';
import { ErrorCode } from '../../src/errors';
import { errorOf, parse } from './helpers';

describe('host, hostaddr and port lists', () => {
  const accepted: [string, HostTarget[]][] = [
    ['host=db1', [{ host: 'db1', port: 5432 }]],
    ['host=db1 port=5433', [{ host: 'db1', port: 5433 }]],
    [
      'host=db1,db2',
      [
        { host: 'db1', port: 5432 },
        { host: 'db2', port: 5432 },
      ],
    ],
    [
      'host=db1,db2 port=6000',
      [
        { host: 'db1', port: 6000 },
        { host: 'db2', port: 6000 },
      ],
    ],
    [
      'host=db1,db2 port=6000,6001',
      [
        { host: 'db1', port: 6000 },
        { host: 'db2', port: 6001 },
      ],
    ],
    [
      'host=db1,db2 port=,6001',
      [
        { host: 'db1', port: 5432 },
        { host: 'db2', port: 6001 },
      ],
    ],
    [
      'host=db1,,db3',
      [
        { host: 'db1', port: 5432 },
        { host: '/tmp', port: 5432 },
        { host: 'db3', port: 5432 },
      ],
    ],
    ['host=/var/run/postgresql', [{ host: '/var/run/postgresql', port: 5432 }]],
    ['host=@abstract', [{ host: '@abstract', port: 5432 }]],
    ['host=::1', [{ host: '::1', port: 5432 }]],
    ['hostaddr=127.0.0.1', [{ host: '', hostaddr: '127.0.0.1', port: 5432 }]],
    ['host=db1 hostaddr=10.0.0.5', [{ host: 'db1', hostaddr: '10.0.0.5', port: 5432 }]],
    [
      'host=db1,db2 hostaddr=10.0.0.5,',
      [
        { host: 'db1', hostaddr: '10.0.0.5', port: 5432 },
        { host: 'db2', port: 5432 },
      ],
    ],
    [
      'hostaddr=10.0.0.5,::1 port=1,2',
      [
        { host: '', hostaddr: '10.0.0.5', port: 1 },
        { host: '', hostaddr: '::1', port: 2 },
      ],
    ],
    [
      'hostaddr=,',
      [
        { host: '/tmp', port: 5432 },
        { host: '/tmp', port: 5432 },
      ],
    ],
    ['port=65535', [{ host: '/tmp', port: 65535 }]],
    ['port=" 5433 "'.replace(/"/g, "'"), [{ host: '/tmp', port: 5433 }]],
    ['port=+5433', [{ host: '/tmp', port: 5433 }]],
  ];

  test.each(accepted)('%s gives %j', (conninfo, hosts) => {
    expect(parse(conninfo).hosts).toEqual(hosts);
  });

  const rejected: [string, string][] = [
    ['host=a,b,c port=1,2', 'could not match 2 port numbers to 3 hosts'],
    ['host=a port=1,2', 'could not match 2 port numbers to 1 hosts'],
    ['port=1,2', 'could not match 2 port numbers to 1 hosts'],
    ['host=a,b hostaddr=10.0.0.1', 'could not match 2 host names to 1 hostaddr values'],
    ['host=a hostaddr=10.0.0.1,10.0.0.2', 'could not match 1 host names to 2 hostaddr values'],
    ['port=0', 'invalid port number: "0"'],
    ['port=65536', 'invalid port number: "65536"'],
    ['port=-1', 'invalid port number: "-1"'],
    ['port=abc', 'invalid integer value "abc" for connection option "port"'],
    ['port=54.32', 'invalid integer value "54.32" for connection option "port"'],
    ['port=99999999999', 'invalid integer value "99999999999" for connection option "port"'],
    ['host=a,b port=5432,x', 'invalid integer value "x" for connection option "port"'],
    ['hostaddr=db.example.com', 'could not parse network address "db.example.com"'],
  ];

  test.each(rejected)('%s is refused: %s', (conninfo, message) => {
    const error = errorOf(() => parse(conninfo));
    expect(error.code).toBe(ErrorCode.InvalidConfig);
    expect(error.message).toBe(message);
  });

  test('PGPORT applies to every host from PGHOST', () => {
    expect(parse(undefined, { PGHOST: 'a,b', PGPORT: '6000' }).hosts).toEqual([
      { host: 'a', port: 6000 },
      { host: 'b', port: 6000 },
    ]);
  });

  test("the host order is kept with load_balance_hosts=random; shuffling is the connect step's", () => {
    const config = parse('host=a,b,c load_balance_hosts=random');
    expect(config.loadBalanceHosts).toBe('random');
    expect(config.hosts.map((h) => h.host)).toEqual(['a', 'b', 'c']);
  });
});

describe('isUnixSocketPath', () => {
  test.each([
    ['/tmp', true],
    ['/var/run/postgresql', true],
    ['@abstract', true],
    ['db1', false],
    ['::1', false],
    ['', false],
  ])('%j is a socket folder: %s', (host, expected) => {
    expect(isUnixSocketPath(host)).toBe(expected);
  });
});
