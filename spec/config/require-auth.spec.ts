import type { RequireAuth } from '../../src/config';
import { parseRequireAuth } from '../../src/config/require-auth';
import { ErrorCode } from '../../src/errors';
import { errorOf, parse } from './helpers';

describe('require_auth', () => {
  const accepted: [string, RequireAuth | undefined][] = [
    ['', undefined],
    ['password', { methods: ['password'], negated: false }],
    ['scram-sha-256', { methods: ['scram-sha-256'], negated: false }],
    ['md5,scram-sha-256', { methods: ['md5', 'scram-sha-256'], negated: false }],
    ['none', { methods: ['none'], negated: false }],
    ['scram-sha-256,none', { methods: ['scram-sha-256', 'none'], negated: false }],
    ['gss,sspi', { methods: ['gss', 'sspi'], negated: false }],
    ['!password', { methods: ['password'], negated: true }],
    ['!password,!md5', { methods: ['password', 'md5'], negated: true }],
    ['!none', { methods: ['none'], negated: true }],
    ['!gss,!sspi,!none', { methods: ['gss', 'sspi', 'none'], negated: true }],
    ['!oauth', { methods: [], negated: true }],
    ['!md5,!oauth', { methods: ['md5'], negated: true }],
  ];

  test.each(accepted)('%j gives %j', (value, expected) => {
    expect(parseRequireAuth(value)).toEqual(expected);
  });

  const rejected: [string, string][] = [
    [
      'password,!md5',
      'negative require_auth method "md5" cannot be mixed with non-negative methods',
    ],
    ['!password,md5', 'require_auth method "md5" cannot be mixed with negative methods'],
    ['password,password', 'require_auth method "password" is specified more than once'],
    ['!md5,!md5', 'require_auth method "!md5" is specified more than once'],
    ['none,none', 'require_auth method "none" is specified more than once'],
    ['!none,!none', 'require_auth method "!none" is specified more than once'],
    ['!oauth,!oauth', 'require_auth method "!oauth" is specified more than once'],
    ['cert', 'invalid require_auth value: "cert"'],
    ['SCRAM-SHA-256', 'invalid require_auth value: "SCRAM-SHA-256"'],
    ['md5,', 'invalid require_auth value: ""'],
    [',md5', 'invalid require_auth value: ""'],
    ['!', 'invalid require_auth value: ""'],
    ['md5, password', 'invalid require_auth value: " password"'],
  ];

  test.each(rejected)('%j is refused: %s', (value, message) => {
    const error = errorOf(() => parseRequireAuth(value));
    expect(error.code).toBe(ErrorCode.InvalidConfig);
    expect(error.message).toBe(message);
  });

  test('allowing oauth is NotSupported', () => {
    expect(errorOf(() => parseRequireAuth('scram-sha-256,oauth')).code).toBe(
      ErrorCode.NotSupported,
    );
  });

  test('parseConfig reads require_auth from the input and from PGREQUIREAUTH', () => {
    expect(parse('require_auth=!password').requireAuth).toEqual({
      methods: ['password'],
      negated: true,
    });
    expect(parse(undefined, { PGREQUIREAUTH: 'md5' }).requireAuth).toEqual({
      methods: ['md5'],
      negated: false,
    });
  });
});
