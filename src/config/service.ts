/**
 * The connection service file (`pg_service.conf`): named groups of settings.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SYSCONFDIR, SERVICE_FILE, underHome } from './defaults';
import { invalidConfig } from './fail';
import { isKeyword, Settings } from './keywords';

/** libpq reads service files with a 1024-byte line buffer. */
const MAX_LINE_BYTES = 1023;

/**
 * Applies the service named by `service` (or PGSERVICE) to the settings it
 * does not already have: service values come before the environment and
 * after explicit parameters. The file is `servicefile` (or PGSERVICEFILE)
 * when given, else `~/.pg_service.conf` when it exists; a service not found
 * there is looked up in `$PGSYSCONFDIR/pg_service.conf`. A named service that
 * is in no file is an error.
 *
 * @example
 * // ~/.pg_service.conf:  [reports]\nhost=db1\ndbname=reports
 * const settings = new Map([['service', 'reports'], ['dbname', 'other']]);
 * applyServiceFile(settings, process.env, '/home/ann');
 * // settings: service, dbname 'other' (explicit wins), host 'db1'
 */
export function applyServiceFile(settings: Settings, env: NodeJS.ProcessEnv, home: string): void {
  const service = settings.get('service') ?? env.PGSERVICE;
  if (service === undefined) return;

  const explicitFile = settings.get('servicefile') ?? env.PGSERVICEFILE;
  const userFile = explicitFile ?? underHome(home, SERVICE_FILE);
  if (userFile !== undefined && (explicitFile !== undefined || fs.existsSync(userFile))) {
    if (readServiceFile(userFile, service, settings)) return;
  }
  const systemFile = path.join(env.PGSYSCONFDIR ?? DEFAULT_SYSCONFDIR, 'pg_service.conf');
  if (fs.existsSync(systemFile) && readServiceFile(systemFile, service, settings)) return;
  throw invalidConfig(`definition of service "${service}" not found`);
}

/** Applies the group `service` of one file; false when the file has no such group. */
function readServiceFile(file: string, service: string, settings: Settings): boolean {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw invalidConfig(`service file "${file}" not found`);
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let found = false;
  for (const [index, raw] of lines.entries()) {
    const lineNumber = index + 1;
    const newline = index < lines.length - 1 || text.endsWith('\n') ? 1 : 0;
    if (Buffer.byteLength(raw) + newline >= MAX_LINE_BYTES) {
      throw invalidConfig(`line ${lineNumber} too long in service file "${file}"`);
    }
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      if (found) break;
      found = line.startsWith(service, 1) && line[service.length + 1] === ']';
      continue;
    }
    if (found) applyServiceLine(line, settings, file, lineNumber);
  }
  return found;
}

/** One `keyword=value` line of the wanted group; nothing around `=` is trimmed. */
function applyServiceLine(line: string, settings: Settings, file: string, lineNumber: number) {
  const equals = line.indexOf('=');
  const key = equals === -1 ? '' : line.slice(0, equals);
  if (key === 'service') {
    throw invalidConfig(
      `nested service specifications not supported in service file "${file}", line ${lineNumber}`,
    );
  }
  if (equals === -1 || !isKeyword(key)) {
    throw invalidConfig(`syntax error in service file "${file}", line ${lineNumber}`);
  }
  if (!settings.has(key)) settings.set(key, line.slice(equals + 1));
}
