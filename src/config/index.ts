/**
 * Connection parameters: libpq's URIs, `keyword=value` strings and options
 * objects, the PG* environment, the service file and the password file.
 */
export { parseConfig } from './parse';
export type { ConnectionParameters, ParameterValue } from './parameters';
export { lookupPassword, lookupPasswordFor } from './pgpass';
export { isUnixSocketPath } from './hosts';
export { KEYWORDS, type Keyword, type KeywordSpec } from './keywords';
export * from './types';
