import type { Cell } from './cells';
import type { Workspace } from './homes';
import type { Servers } from './servers';

/** Seconds each client may spend on one host; nothing in the matrix should come near it. */
const CONNECT_TIMEOUT = '10';

/** What both clients are given for one cell. */
export interface CellConnection {
  /** A libpq `keyword=value` string, passed as is to psql and to rxpg. */
  readonly conninfo: string;
  /** The whole environment: HOME (for ~/.postgresql and ~/.pgpass) and a timeout. */
  readonly env: NodeJS.ProcessEnv;
}

/** Builds the conninfo and environment of a cell, starting the servers it names. */
export async function cellConnection(
  cell: Cell,
  servers: Servers,
  workspace: Workspace,
): Promise<CellConnection> {
  const ports = await Promise.all(cell.targets.map((target) => servers.port(target.server)));
  const hosts = cell.targets.map((target) => target.host).join(',');
  const keywords: Record<string, string> = { host: hosts };
  if (cell.targets.some((target) => target.hostaddr !== undefined)) {
    keywords.hostaddr = cell.targets.map((target) => target.hostaddr ?? '').join(',');
  }
  Object.assign(keywords, {
    port: ports.join(','),
    ...Object.fromEntries(
      Object.entries(cell.params).map(([key, value]) => [key, workspace.expand(value, cell.home)]),
    ),
  });
  return {
    conninfo: toConninfo(keywords),
    env: { HOME: workspace.home(cell.home), PGCONNECT_TIMEOUT: CONNECT_TIMEOUT },
  };
}

/** `key='value' ...`, quoted as libpq reads it: backslash and single quote escaped. */
export function toConninfo(keywords: Readonly<Record<string, string>>): string {
  return Object.entries(keywords)
    .map(([key, value]) => `${key}='${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`)
    .join(' ');
}
