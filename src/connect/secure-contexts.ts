import type { ConnectionOptions, SecureContext } from 'node:tls';
import { loadCrypto, loadTls } from './lazy-modules';

/** The options that make a secure context: trust, client certificate, protocol versions. */
const CONTEXT_KEYS = [
  'ca',
  'crl',
  'cert',
  'key',
  'passphrase',
  'minVersion',
  'maxVersion',
] as const;
/** Contexts kept; the oldest goes first. */
const KEPT = 16;

const contexts = new Map<string, SecureContext>();

/**
 * Splits `tls.connect` options into a secure context and the rest. Node
 * would build a new context for every connection, parsing the same root
 * certificates and keys each time (about a millisecond); this one is kept and
 * shared by connections whose material is the same, byte for byte. The files
 * are still read for every connection, as libpq reads them: a changed file
 * makes a new context.
 * @internal
 */
export function withSharedContext(options: ConnectionOptions): ConnectionOptions {
  const key = contextKey(options);
  // Material that is not plain text or bytes (a key object) is left to Node, unshared.
  if (key === undefined) return options;
  let context = contexts.get(key);
  if (context === undefined) {
    const made: Record<string, unknown> = {};
    for (const name of CONTEXT_KEYS) if (options[name] !== undefined) made[name] = options[name];
    context = loadTls().createSecureContext(made);
    contexts.set(key, context);
    if (contexts.size > KEPT) contexts.delete(contexts.keys().next().value as string);
  }
  const rest: Record<string, unknown> = { ...options };
  for (const name of CONTEXT_KEYS) delete rest[name];
  return { ...rest, secureContext: context };
}

/** A digest of the context's options, or undefined when one is not text or bytes. */
function contextKey(options: ConnectionOptions): string | undefined {
  const hash = loadCrypto().createHash('sha256');
  for (const name of CONTEXT_KEYS) {
    const values = parts(options[name]);
    if (values === undefined) return undefined;
    hash.update(`${name}:${values.length};`);
    for (const value of values) {
      hash.update(`${typeof value === 'string' ? 's' : 'b'}${value.length}:`);
      hash.update(value);
    }
  }
  return hash.digest('base64');
}

/** The strings and buffers an option holds; undefined for anything else. */
function parts(value: unknown): (string | Buffer)[] | undefined {
  if (value === undefined) return [];
  if (typeof value === 'string' || Buffer.isBuffer(value)) return [value];
  if (!Array.isArray(value)) return undefined;
  const all: (string | Buffer)[] = [];
  for (const item of value) {
    const inner = parts(item);
    if (inner === undefined) return undefined;
    all.push(...inner);
  }
  return all;
}
