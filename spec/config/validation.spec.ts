import { parseConfig } from '../../src/config';
import { ErrorCode } from '../../src/errors';
import { errorOf, parse } from './helpers';

describe('values libpq rejects', () => {
  const invalid: [string, NodeJS.ProcessEnv, string][] = [
    ['sslmode=on', {}, 'invalid sslmode value: "on"'],
    ['sslmode=Require', {}, 'invalid sslmode value: "Require"'],
    ['', { PGSSLMODE: '' }, 'invalid sslmode value: ""'],
    ['sslnegotiation=tls', {}, 'invalid sslnegotiation value: "tls"'],
    [
      'sslnegotiation=direct',
      {},
      'weak sslmode "prefer" may not be used with sslnegotiation=direct (use "require", "verify-ca", or "verify-full")',
    ],
    [
      'sslnegotiation=direct sslmode=disable',
      {},
      'weak sslmode "disable" may not be used with sslnegotiation=direct (use "require", "verify-ca", or "verify-full")',
    ],
    [
      'sslnegotiation=direct sslmode=allow',
      {},
      'weak sslmode "allow" may not be used with sslnegotiation=direct (use "require", "verify-ca", or "verify-full")',
    ],
    [
      'sslrootcert=system sslmode=verify-ca',
      {},
      'weak sslmode "verify-ca" may not be used with sslrootcert=system (use "verify-full")',
    ],
    [
      'sslrootcert=system sslmode=prefer',
      {},
      'weak sslmode "prefer" may not be used with sslrootcert=system (use "verify-full")',
    ],
    [
      'sslrootcert=system sslmode=disable',
      {},
      'weak sslmode "disable" may not be used with sslrootcert=system (use "verify-full")',
    ],
    ['ssl_min_protocol_version=TLSv1.4', {}, 'invalid "ssl_min_protocol_version" value: "TLSv1.4"'],
    ['ssl_max_protocol_version=SSLv3', {}, 'invalid "ssl_max_protocol_version" value: "SSLv3"'],
    [
      'ssl_min_protocol_version=TLSv1.3 ssl_max_protocol_version=TLSv1.2',
      {},
      'invalid SSL protocol version range',
    ],
    [
      'ssl_min_protocol_version=TLSv1.1 ssl_max_protocol_version=TLSv1',
      {},
      'invalid SSL protocol version range',
    ],
    ['ssl_max_protocol_version=TLSv1.1', {}, 'invalid SSL protocol version range'],
    ['sslcertmode=maybe', {}, 'invalid sslcertmode value: "maybe"'],
    ['sslsni=true', {}, 'invalid sslsni value: "true"'],
    ['sslcompression=yes', {}, 'invalid sslcompression value: "yes"'],
    ['channel_binding=required', {}, 'invalid channel_binding value: "required"'],
    ['', { PGCHANNELBINDING: '' }, 'invalid channel_binding value: ""'],
    ['target_session_attrs=master', {}, 'invalid target_session_attrs value: "master"'],
    ['load_balance_hosts=roundrobin', {}, 'invalid load_balance_hosts value: "roundrobin"'],
    ['gssencmode=always', {}, 'invalid gssencmode value: "always"'],
    ['gssdelegation=true', {}, 'invalid gssdelegation value: "true"'],
    [
      'connect_timeout=ten',
      {},
      'invalid integer value "ten" for connection option "connect_timeout"',
    ],
    [
      'connect_timeout=1.5',
      {},
      'invalid integer value "1.5" for connection option "connect_timeout"',
    ],
    [
      '',
      { PGCONNECT_TIMEOUT: '' },
      'invalid integer value "" for connection option "connect_timeout"',
    ],
    ['keepalives=yes', {}, 'invalid integer value "yes" for connection option "keepalives"'],
    [
      'keepalives_idle=1m',
      {},
      'invalid integer value "1m" for connection option "keepalives_idle"',
    ],
    [
      'keepalives_interval=x',
      {},
      'invalid integer value "x" for connection option "keepalives_interval"',
    ],
    [
      'keepalives_count=x',
      {},
      'invalid integer value "x" for connection option "keepalives_count"',
    ],
    [
      'tcp_user_timeout=x',
      {},
      'invalid integer value "x" for connection option "tcp_user_timeout"',
    ],
    ['min_protocol_version=3.1', {}, 'invalid min_protocol_version value: "3.1"'],
    ['max_protocol_version=4', {}, 'invalid max_protocol_version value: "4"'],
    [
      'min_protocol_version=latest max_protocol_version=3.0',
      {},
      '"min_protocol_version" is greater than "max_protocol_version"',
    ],
  ];

  test.each(invalid)('%s with %j is refused: %s', (conninfo, env, message) => {
    const error = errorOf(() => parse(conninfo, env));
    expect(error.code).toBe(ErrorCode.InvalidConfig);
    expect(error.message).toBe(message);
  });

  test('an invalid value of a fixed set comes with the allowed values as a hint', () => {
    expect(errorOf(() => parse('sslmode=on')).hint).toBe(
      'use one of: disable, allow, prefer, require, verify-ca, verify-full',
    );
  });

  test('no local user name and no user given is an error', () => {
    const error = errorOf(() => parseConfig(undefined, {}, { homedir: '/h', username: '' }));
    expect(error.message).toBe('could not determine the local user name');
    expect(error.hint).toBe('set user or PGUSER');
  });
});

describe('values libpq accepts', () => {
  const accepted: [string, object][] = [
    ['sslnegotiation=direct sslmode=require', { sslnegotiation: 'direct', sslmode: 'require' }],
    ['sslnegotiation=direct sslmode=verify-full', { sslnegotiation: 'direct' }],
    ['sslrootcert=system sslmode=verify-full', { sslmode: 'verify-full', sslrootcert: 'system' }],
    ['ssl_min_protocol_version=tlsv1.3', { sslMinProtocolVersion: 'TLSv1.3' }],
    [
      'ssl_min_protocol_version=TLSv1 ssl_max_protocol_version=TLSv1',
      { sslMinProtocolVersion: 'TLSv1', sslMaxProtocolVersion: 'TLSv1' },
    ],
    [
      'ssl_min_protocol_version=TLSv1.2 ssl_max_protocol_version=TLSv1.2',
      { sslMaxProtocolVersion: 'TLSv1.2' },
    ],
    [
      'ssl_max_protocol_version=',
      { sslMinProtocolVersion: 'TLSv1.2', sslMaxProtocolVersion: undefined },
    ],
    ['sslsni=0', { sslsni: false }],
    ["sslsni=''", { sslsni: false }],
    ['sslcertmode=disable', { sslcertmode: 'disable' }],
    ['channel_binding=require sslmode=disable', { channelBinding: 'require', sslmode: 'disable' }],
    ['target_session_attrs=prefer-standby', { targetSessionAttrs: 'prefer-standby' }],
    ['connect_timeout=1', { connectTimeout: 1 }],
    ['connect_timeout=0', { connectTimeout: 0 }],
    ['connect_timeout=-5', { connectTimeout: 0 }],
    ["connect_timeout=' 10 '", { connectTimeout: 10 }],
    ['keepalives=0', { keepalives: false }],
    ['keepalives=2', { keepalives: true }],
    [
      'keepalives_idle=-3 keepalives_interval=5 keepalives_count=4',
      { keepalivesIdle: 0, keepalivesInterval: 5, keepalivesCount: 4 },
    ],
    ['tcp_user_timeout=1000', { tcpUserTimeout: 1000 }],
    ["application_name='' options=''", { applicationName: undefined, options: undefined }],
    ['fallback_application_name=tool', { fallbackApplicationName: 'tool' }],
    ["sslpassword=''", { sslpassword: '' }],
    ['sslkeylogfile=/tmp/keys', { sslkeylogfile: '/tmp/keys' }],
    ['sslcompression=1 gssdelegation=1 krbsrvname=pg gsslib=gssapi', {}],
    ['gssencmode=prefer', {}],
    ['gssencmode=disable', {}],
    ['replication=0', {}],
    ['replication=off', {}],
    ['replication=false', {}],
    ['client_encoding=UTF8', {}],
    ['client_encoding=utf-8', {}],
    ['client_encoding=unicode', {}],
    ['client_encoding=auto', {}],
    ["client_encoding=''", {}],
    ["requirepeer=''", {}],
    ['min_protocol_version=3.0 max_protocol_version=3.2', {}],
    ['max_protocol_version=latest', {}],
  ];

  test.each(accepted)('%s gives %j', (conninfo, expected) => {
    expect(parse(conninfo)).toMatchObject(expected);
  });
});

describe('libpq features rxpg lacks', () => {
  const refused: [string, string][] = [
    ['gssencmode=require', 'gssencmode value "require" is not supported by rxpg'],
    ['sslcertmode=require', 'sslcertmode value "require" is not supported by rxpg'],
    [
      'replication=database',
      'replication connections (replication=database) are not supported by rxpg',
    ],
    ['replication=true', 'replication connections (replication=true) are not supported by rxpg'],
    ['replication=1', 'replication connections (replication=1) are not supported by rxpg'],
    ['client_encoding=LATIN1', 'client_encoding "LATIN1" is not supported by rxpg'],
    ['requirepeer=postgres', 'connection option "requirepeer" is not supported by rxpg'],
    ['oauth_issuer=https://issuer', 'connection option "oauth_issuer" is not supported by rxpg'],
    ['oauth_client_id=x', 'connection option "oauth_client_id" is not supported by rxpg'],
    ['scram_client_key=abc', 'connection option "scram_client_key" is not supported by rxpg'],
    ['min_protocol_version=3.2', 'min_protocol_version value "3.2" is not supported by rxpg'],
    ['require_auth=oauth', 'require_auth method "oauth" is not supported by rxpg'],
  ];

  test.each(refused)('%s is NotSupported: %s', (conninfo, message) => {
    const error = errorOf(() => parse(conninfo));
    expect(error.code).toBe(ErrorCode.NotSupported);
    expect(error.message).toBe(message);
    expect(error.hint).toEqual(expect.any(String));
  });

  test('PGCLIENTENCODING is refused like client_encoding', () => {
    expect(errorOf(() => parse(undefined, { PGCLIENTENCODING: 'SQL_ASCII' })).code).toBe(
      ErrorCode.NotSupported,
    );
  });
});
