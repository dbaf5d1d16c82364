import type { ConnectConfig, HostTarget } from './types';

/**
 * The hosts in the order they are tried: as given, or shuffled for
 * load_balance_hosts=random (a Fisher-Yates shuffle, new for each call).
 *
 * @example
 * orderHosts(config).map((host) => host.host); // ['db2', 'db1'] under random
 */
export function orderHosts(config: ConnectConfig): HostTarget[] {
  const hosts = [...config.hosts];
  if (config.loadBalanceHosts === 'random') {
    for (let i = hosts.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [hosts[i], hosts[j]] = [hosts[j], hosts[i]];
    }
  }
  return hosts;
}
