/**
 * `require_auth`: which authentication requests the client may answer
 * (PostgreSQL 16 grammar, with libpq 18's `oauth`).
 */
import { invalidConfig, notSupported } from './fail';
import type { RequireAuth } from './types';

type Method = RequireAuth['methods'][number];

const METHODS: readonly Method[] = ['password', 'md5', 'scram-sha-256', 'gss', 'sspi', 'none'];

/**
 * Parses a comma-separated list of methods: `password`, `md5`,
 * `scram-sha-256`, `gss`, `sspi`, `none` (no authentication request at all)
 * and `oauth`. Either every entry is negated with `!` (everything but these)
 * or none is. A method named twice, an empty entry or an unknown method is
 * an error. An empty list means no restriction (undefined), as in libpq.
 *
 * rxpg has no OAuth: allowing `oauth` is NotSupported, while `!oauth` is
 * accepted and left out of the result, since rxpg never answers OAuth.
 *
 * @example
 * parseRequireAuth('scram-sha-256,none'); // { methods: ['scram-sha-256', 'none'], negated: false }
 * parseRequireAuth('!password,!md5');     // { methods: ['password', 'md5'], negated: true }
 */
export function parseRequireAuth(value: string): RequireAuth | undefined {
  if (value === '') return undefined;
  const methods: Method[] = [];
  const seen = new Set<string>();
  const negated = value.startsWith('!');
  for (const entry of value.split(',')) {
    const isNegated = entry.startsWith('!');
    const method = isNegated ? entry.slice(1) : entry;
    if (isNegated && !negated) {
      throw invalidConfig(
        `negative require_auth method "${method}" cannot be mixed with non-negative methods`,
      );
    }
    if (!isNegated && negated) {
      throw invalidConfig(`require_auth method "${method}" cannot be mixed with negative methods`);
    }
    const known = METHODS.find((m) => m === method);
    if (known === undefined && method !== 'oauth') {
      throw invalidConfig(
        `invalid require_auth value: "${method}"`,
        `use a comma-separated list of: ${METHODS.join(', ')}, oauth`,
      );
    }
    if (seen.has(method)) {
      throw invalidConfig(`require_auth method "${entry}" is specified more than once`);
    }
    seen.add(method);
    if (known !== undefined) {
      methods.push(known);
    } else if (!negated) {
      throw notSupported(
        'require_auth method "oauth" is not supported by rxpg',
        'rxpg has no OAuth',
      );
    }
  }
  return { methods, negated };
}
