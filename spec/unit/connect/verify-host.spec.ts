import {
  ipBytes,
  matchesDnsName,
  splitAltNames,
  verifyHostName,
} from '../../../src/connect/verify-host';

describe('verify-full host name rules', () => {
  it.each([
    ['*.example.com', 'db.example.com', true],
    ['*.example.com', 'DB.Example.COM', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', '.example.com', false],
    ['db.example.com', 'db.example.com', true],
    ['db.*.com', 'db.example.com', false],
    ['*', 'localhost', false],
    ['f*.example.com', 'foo.example.com', false],
  ])('pattern %s against %s: %s', (pattern, host, expected) => {
    expect(matchesDnsName(pattern, host)).toBe(expected);
  });

  it('matches a DNS name SAN', () => {
    expect(verifyHostName('localhost', { subjectAltName: 'DNS:localhost' })).toBeUndefined();
  });

  it('compares a DNS SAN as a string even for an IP host', () => {
    expect(verifyHostName('127.0.0.1', { subjectAltName: 'DNS:127.0.0.1' })).toBeUndefined();
  });

  it('matches an IP SAN byte for byte, whatever its spelling', () => {
    const names = { subjectAltName: 'IP Address:0:0:0:0:0:0:0:1' };
    expect(verifyHostName('::1', names)).toBeUndefined();
    expect(verifyHostName('0::1', names)).toBeUndefined();
    expect(verifyHostName('::2', names)).toBeDefined();
  });

  it('never matches a host name against an IP SAN', () => {
    expect(verifyHostName('localhost', { subjectAltName: 'IP Address:127.0.0.1' })).toBeDefined();
  });

  it('ignores the common name when a DNS SAN exists for a host name', () => {
    const names = { subjectAltName: 'DNS:other.test', commonName: 'localhost' };
    expect(verifyHostName('localhost', names)).toBeDefined();
  });

  it('reads the common name when no SAN of the host kind exists', () => {
    expect(verifyHostName('localhost', { commonName: 'localhost' })).toBeUndefined();
    const ipOnly = { subjectAltName: 'IP Address:10.0.0.1', commonName: 'localhost' };
    expect(verifyHostName('localhost', ipOnly)).toBeUndefined();
    const dnsOnly = { subjectAltName: 'DNS:db.test', commonName: '127.0.0.1' };
    expect(verifyHostName('127.0.0.1', dnsOnly)).toBeUndefined();
  });

  it('names what the certificate holds when it fails', () => {
    const error = verifyHostName('localhost', { subjectAltName: 'DNS:db.test, DNS:db2.test' });
    expect(error?.message).toContain('"db.test", "db2.test"');
    expect(error?.code).toBe('RXPG_TLS_FAILED');
  });

  it('splits Node quoted SAN values without breaking at inner commas', () => {
    expect(splitAltNames('DNS:"a, b.test", DNS:c.test, IP Address:127.0.0.1')).toEqual([
      { kind: 'DNS', value: 'a, b.test' },
      { kind: 'DNS', value: 'c.test' },
      { kind: 'IP Address', value: '127.0.0.1' },
    ]);
  });

  it('refuses names with an embedded NUL', () => {
    expect(matchesDnsName('localhost\0.evil.test', 'localhost')).toBe(false);
  });

  it('turns addresses into bytes', () => {
    expect(ipBytes('127.0.0.1')?.toString('hex')).toBe('7f000001');
    expect(ipBytes('::ffff:1.2.3.4')?.toString('hex')).toBe('00000000000000000000ffff01020304');
    expect(ipBytes('localhost')).toBeUndefined();
  });
});
