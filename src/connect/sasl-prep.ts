import { loadSaslprep } from './lazy-modules';

/** Any code unit above 0x7f: without one, a password needs no preparation at all. */
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Prepares a password for SCRAM with SASLprep (RFC 4013), the way libpq does.
 *
 * libpq leaves a pure-ASCII password untouched (control characters included),
 * and when SASLprep rejects a password (a prohibited or unassigned code point,
 * a bidirectional mix, nothing left after mapping) it uses the raw password, as
 * the server does when it stores the verifier. Doing the same keeps every
 * password that works with psql working here.
 *
 * @example
 * preparePassword('pass\u00a0word'); // 'pass word' (a no-break space maps to a space)
 * preparePassword('bell\u0007');     // 'bell\u0007' (ASCII is kept as it is)
 *
 * @internal
 */
export function preparePassword(password: string): string {
  if (!NON_ASCII.test(password)) {
    return password;
  }
  const saslprep = loadSaslprep();
  try {
    const prepared = saslprep(password);
    // libpq counts an empty result as prohibited; the library may also throw on it.
    return prepared === '' ? password : prepared;
  } catch {
    return password;
  }
}
