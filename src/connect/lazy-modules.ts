/* eslint-disable @typescript-eslint/no-require-imports -- loading on first use is this module's
   purpose; `import()` would turn synchronous steps (TLS options, SCRAM) asynchronous */
import type saslprep from '@mongodb-js/saslprep';
import type * as Crypto from 'node:crypto';
import type * as Tls from 'node:tls';

// Modules that only some connections need, loaded on first use instead of when rxpg is
// imported: Node's `tls` and `crypto`, and `@mongodb-js/saslprep` with its code point tables
// (and `zlib` to inflate them), add about 4 MB of resident memory to every process, and a
// plaintext connection with trust authentication never uses them. Each is loaded once;
// types stay static.

/** Set by the first call of each loader below. */
let tls: typeof Tls | undefined;
let crypto: typeof Crypto | undefined;
let prepare: typeof saslprep | undefined;

/**
 * Node's `tls` module, for a connection that negotiates TLS.
 *
 * @example
 * const secure = loadTls().connect({ socket, servername: 'db.example.com' });
 *
 * @internal
 */
export function loadTls(): typeof Tls {
  return (tls ??= require('node:tls') as typeof Tls);
}

/**
 * Node's `crypto` module, for password hashing (MD5, SCRAM), channel binding and client
 * certificates.
 *
 * @example
 * const digest = loadCrypto().createHash('md5').update(data).digest('hex');
 *
 * @internal
 */
export function loadCrypto(): typeof Crypto {
  return (crypto ??= require('node:crypto') as typeof Crypto);
}

/**
 * SASLprep (RFC 4013), for a SCRAM password with a character outside ASCII.
 *
 * @example
 * loadSaslprep()('pass\u00a0word'); // 'pass word'
 *
 * @internal
 */
export function loadSaslprep(): typeof saslprep {
  return (prepare ??= require('@mongodb-js/saslprep') as typeof saslprep);
}
