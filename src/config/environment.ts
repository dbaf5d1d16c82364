/**
 * The PG* environment variables.
 */
import { KEYWORDS, KeywordSpec, Settings } from './keywords';

const ALL_KEYWORDS: readonly KeywordSpec[] = KEYWORDS;

/**
 * Fills every keyword that the input and the service file left unset from its
 * PG* variable. A variable set to the empty string counts as set, as in
 * libpq; later steps treat an empty host, port, user, dbname, password or
 * require_auth as absent, and reject an empty sslmode and the like.
 *
 * The old PGREQUIRESSL, when it starts with `1` and PGSSLMODE is unset, means
 * sslmode=require.
 *
 * @example
 * const settings = new Map([['host', 'db1']]);
 * fillFromEnvironment(settings, { PGHOST: 'ignored', PGPORT: '5433' });
 * // settings: Map { 'host' => 'db1', 'port' => '5433' }
 */
export function fillFromEnvironment(settings: Settings, env: NodeJS.ProcessEnv): void {
  for (const keyword of KEYWORDS) {
    const spec: KeywordSpec = keyword;
    if (settings.has(keyword.name) || spec.envVar === undefined) continue;
    const value = env[spec.envVar];
    if (value !== undefined) settings.set(keyword.name, value);
  }
  if (!settings.has('sslmode') && env.PGREQUIRESSL?.startsWith('1') === true) {
    settings.set('sslmode', 'require');
  }
}

/** Server settings that libpq sends in the startup message when these variables are set. */
const SERVER_SETTING_VARIABLES: readonly (readonly [string, string])[] = [
  ['PGTZ', 'timezone'],
  ['PGGEQO', 'geqo'],
];

/**
 * The startup-message settings libpq takes from PGTZ and PGGEQO; the value
 * `default` (any case) sends nothing. PGDATESTYLE is left out on purpose:
 * rxpg decodes dates only in the ISO style it sets itself.
 *
 * @example
 * environmentServerSettings({ PGTZ: 'UTC' }); // { timezone: 'UTC' }
 */
export function environmentServerSettings(env: NodeJS.ProcessEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [variable, setting] of SERVER_SETTING_VARIABLES) {
    const value = env[variable];
    if (value !== undefined && value.toLowerCase() !== 'default') result[setting] = value;
  }
  return result;
}

/** Names of all variables that can fill a keyword, for documentation and tests. */
export const ENVIRONMENT_VARIABLES: readonly string[] = ALL_KEYWORDS.flatMap((k) =>
  k.envVar === undefined ? [] : [k.envVar],
);
