/* eslint-disable @typescript-eslint/no-require-imports -- loading on first use is this module's
   purpose; `import()` would make the TLS options and SCRAM's password preparation asynchronous */
import type saslprep from '@mongodb-js/saslprep';
import type * as Tls from 'node:tls';

// Modules that only some connections need, loaded on first use instead of when rxpg is
// imported: Node's `tls`, and `@mongodb-js/saslprep` with its code point tables (and `zlib`
// to inflate them), add several megabytes of resident memory to every process, and a
// plaintext connection without SCRAM never uses them. Each is loaded once; types stay static.

/** Set by the first call of each loader below. */
let tls: typeof Tls | undefined;
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
