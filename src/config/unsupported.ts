/**
 * Keywords that rxpg knows but does not act on: those it can accept because
 * their value asks for nothing, and those it must refuse.
 */
import { invalidConfig, notSupported } from './fail';
import type { Keyword, Settings } from './keywords';
import { oneOf, parseSwitch } from './values';

/** Protocol versions as libpq 18 names them, oldest first. */
const PROTOCOL_VERSIONS = ['3.0', '3.2', 'latest'] as const;

/** Keywords of features rxpg lacks, refused whenever they hold a value. */
const REFUSED: readonly (readonly [Keyword, string])[] = [
  ['requirepeer', 'rxpg cannot check the owner of a Unix socket'],
  ['oauth_issuer', 'rxpg has no OAuth'],
  ['oauth_client_id', 'rxpg has no OAuth'],
  ['oauth_client_secret', 'rxpg has no OAuth'],
  ['oauth_scope', 'rxpg has no OAuth'],
  ['scram_client_key', 'give the password instead'],
  ['scram_server_key', 'give the password instead'],
];

/**
 * Checks the keywords that do not reach {@link ConnectConfig}: GSSAPI,
 * replication, client encoding, protocol versions and the features listed in
 * REFUSED. Throws NotSupported for a value rxpg cannot honour and
 * InvalidConfig for a value libpq would reject.
 *
 * @example
 * checkUnsupported(new Map([['gssencmode', 'require']])); // throws NotSupported
 */
export function checkUnsupported(settings: Settings): void {
  checkGss(settings);
  checkProtocolVersions(settings);
  checkReplication(settings.get('replication'));
  checkClientEncoding(settings.get('client_encoding'));
  for (const [keyword, hint] of REFUSED) {
    const value = settings.get(keyword);
    if (value !== undefined && value !== '') {
      throw notSupported(`connection option "${keyword}" is not supported by rxpg`, hint);
    }
  }
}

/**
 * rxpg has no GSSAPI, like a libpq built without it: gssencmode `disable` and
 * `prefer` connect without GSS encryption, `require` cannot be met.
 * krbsrvname and gsslib only matter to GSSAPI and are ignored.
 */
function checkGss(settings: Settings): void {
  const mode = oneOf('gssencmode', settings.get('gssencmode') ?? 'disable', [
    'disable',
    'prefer',
    'require',
  ] as const);
  if (mode === 'require') {
    throw notSupported(
      'gssencmode value "require" is not supported by rxpg',
      'rxpg has no GSSAPI; use sslmode=verify-full for an encrypted connection',
    );
  }
  parseSwitch('gssdelegation', settings.get('gssdelegation') ?? '0');
  parseSwitch('sslcompression', settings.get('sslcompression') ?? '0');
}

/**
 * libpq 18's min_protocol_version and max_protocol_version. rxpg speaks
 * protocol 3.0 only, so it can honour any range that contains 3.0.
 */
function checkProtocolVersions(settings: Settings): void {
  const min = settings.get('min_protocol_version');
  const max = settings.get('max_protocol_version');
  const minVersion =
    min === undefined ? '3.0' : oneOf('min_protocol_version', min, PROTOCOL_VERSIONS);
  const maxVersion =
    max === undefined ? undefined : oneOf('max_protocol_version', max, PROTOCOL_VERSIONS);
  if (
    maxVersion !== undefined &&
    PROTOCOL_VERSIONS.indexOf(minVersion) > PROTOCOL_VERSIONS.indexOf(maxVersion)
  ) {
    throw invalidConfig('"min_protocol_version" is greater than "max_protocol_version"');
  }
  if (minVersion !== '3.0') {
    throw notSupported(
      `min_protocol_version value "${minVersion}" is not supported by rxpg`,
      'rxpg speaks protocol 3.0 only',
    );
  }
}

/** Off, as the server reads a boolean; anything else asks for a replication connection. */
function checkReplication(value: string | undefined): void {
  if (value === undefined || /^(0|f|fa|fal|fals|false|n|no|of|off)$/i.test(value)) return;
  throw notSupported(
    `replication connections (replication=${value}) are not supported by rxpg`,
    'leave replication unset or set it to 0',
  );
}

/**
 * rxpg always uses UTF8. `auto` asks libpq to follow the locale, which for a
 * Node program is UTF8 as well; other encodings are refused. Names are
 * compared as the server compares them, ignoring case and punctuation.
 */
function checkClientEncoding(value: string | undefined): void {
  if (value === undefined || value === '') return;
  const name = value.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (name === 'utf8' || name === 'unicode' || name === 'auto') return;
  throw notSupported(
    `client_encoding "${value}" is not supported by rxpg`,
    'rxpg always uses UTF8; leave client_encoding and PGCLIENTENCODING unset',
  );
}
