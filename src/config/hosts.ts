/**
 * The host, hostaddr and port lists, matched up into connection targets.
 */
import { isIP } from 'node:net';
import { DEFAULT_PORT, DEFAULT_SOCKET_DIR } from './defaults';
import { invalidConfig } from './fail';
import type { HostTarget } from './types';
import { parseIntParam } from './values';

const MAX_PORT = 65535;

/**
 * True for a host that names a Unix socket folder: an absolute path, or `@`
 * for Linux's abstract namespace.
 *
 * @example
 * isUnixSocketPath('/var/run/postgresql'); // true
 * isUnixSocketPath('db1'); // false
 */
export function isUnixSocketPath(host: string): boolean {
  return host.startsWith('/') || host.startsWith('@');
}

/**
 * Matches the comma-separated host, hostaddr and port lists as libpq does.
 * There is one target for each hostaddr when hostaddr is given, else one for
 * each host, else one. The host list must then be as long as the hostaddr
 * list; the port list must hold one port for all or one for each. An empty
 * port is 5432; an empty host (without hostaddr) is the default socket
 * folder `/tmp`. A target with a hostaddr and no host name has host `''`.
 *
 * @example
 * resolveHosts('db1,db2', undefined, '5432,5433');
 * // [{ host: 'db1', port: 5432 }, { host: 'db2', port: 5433 }]
 */
export function resolveHosts(
  host: string | undefined,
  hostaddr: string | undefined,
  port: string | undefined,
): HostTarget[] {
  const addrs = hostaddr === undefined || hostaddr === '' ? [] : hostaddr.split(',');
  const names = host === undefined || host === '' ? [] : host.split(',');
  const count = addrs.length > 0 ? addrs.length : Math.max(names.length, 1);
  if (names.length > 0 && names.length !== count) {
    throw invalidConfig(`could not match ${names.length} host names to ${count} hostaddr values`);
  }
  const ports = resolvePorts(port, count);
  const targets: HostTarget[] = [];
  for (let i = 0; i < count; i++) {
    const name = names[i] ?? '';
    const addr = addrs[i] ?? '';
    const portNumber = ports[i];
    if (addr !== '') {
      if (isIP(addr) === 0) throw invalidConfig(`could not parse network address "${addr}"`);
      targets.push({ host: name, hostaddr: addr, port: portNumber });
    } else {
      targets.push({ host: name !== '' ? name : DEFAULT_SOCKET_DIR, port: portNumber });
    }
  }
  return targets;
}

function resolvePorts(port: string | undefined, count: number): number[] {
  if (port === undefined || port === '') return new Array<number>(count).fill(DEFAULT_PORT);
  const ports = port.split(',');
  if (ports.length === 1) return new Array<number>(count).fill(parsePort(ports[0]));
  if (ports.length !== count) {
    throw invalidConfig(`could not match ${ports.length} port numbers to ${count} hosts`);
  }
  return ports.map(parsePort);
}

function parsePort(port: string): number {
  if (port === '') return DEFAULT_PORT;
  const n = parseIntParam(port, 'port');
  if (n < 1 || n > MAX_PORT) throw invalidConfig(`invalid port number: "${port}"`);
  return n;
}
