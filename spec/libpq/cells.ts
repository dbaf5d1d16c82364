import type { HomeKey } from './homes';
import { PASSWORD, type ServerKey } from './servers';

/** One place to connect to: a server of the matrix and the host name to use for it. */
export interface Target {
  readonly server: ServerKey;
  readonly host: string;
  readonly hostaddr?: string;
}

/**
 * One cell of the matrix: the same connection parameters go to psql and to rxpg, with HOME
 * pointing at `home`. Parameter values may hold `${CERTS}`, `${KEYS}` and `${HOME}`.
 */
export interface Cell {
  /** `group/row/column`, stable: the fixture is keyed by it. */
  readonly id: string;
  readonly group: string;
  readonly row: string;
  readonly column: string;
  readonly targets: readonly Target[];
  readonly params: Readonly<Record<string, string>>;
  readonly home: HomeKey;
  /** Needs files owned by root and by another user, which only root can make. */
  readonly needsRoot?: boolean;
  /** The oldest server major version the cell means something on (direct TLS: 17). */
  readonly minServerVersion?: number;
}

/** The sslmode columns: `unset` leaves libpq's default (prefer, or verify-full with system). */
export const SSLMODE_COLUMNS = [
  'unset',
  'disable',
  'allow',
  'prefer',
  'require',
  'verify-ca',
  'verify-full',
] as const;

type SslModeColumn = (typeof SSLMODE_COLUMNS)[number];

const ROOT = { sslrootcert: '${CERTS}/root.crt' };
const DIRECT_TLS_SERVER = 17;
const SUPERUSER = { user: 'postgres', dbname: 'postgres' };

interface RowSpec {
  readonly row: string;
  readonly targets: readonly Target[];
  readonly params?: Readonly<Record<string, string>>;
  readonly home?: HomeKey;
  readonly needsRoot?: boolean;
  readonly minServerVersion?: number;
}

/** A row of cells, one per sslmode column. */
function sslmodeRow(
  group: string,
  spec: RowSpec,
  columns: readonly SslModeColumn[] = SSLMODE_COLUMNS,
): Cell[] {
  return columns.map((column: SslModeColumn) => ({
    id: `${group}/${spec.row}/${column}`,
    group,
    row: spec.row,
    column,
    targets: spec.targets,
    params: {
      ...SUPERUSER,
      ...spec.params,
      ...(column === 'unset' ? {} : { sslmode: column }),
    },
    home: spec.home ?? 'empty',
    needsRoot: spec.needsRoot,
    minServerVersion: spec.minServerVersion,
  }));
}

const at = (server: ServerKey, host = 'localhost', hostaddr?: string): Target =>
  hostaddr === undefined ? { server, host } : { server, host, hostaddr };

/** Real servers with TLS on and off and hostssl/hostnossl rules, negotiated both ways. */
function negotiationCells(): Cell[] {
  const servers: ServerKey[] = ['tls-on', 'tls-off', 'hostssl-only', 'hostnossl-only'];
  return servers.flatMap((server) =>
    ['postgres', 'direct'].flatMap((negotiation) =>
      sslmodeRow('negotiation', {
        row: negotiation === 'postgres' ? server : `${server}, sslnegotiation=direct`,
        targets: [at(server)],
        params: { ...ROOT, ...(negotiation === 'direct' ? { sslnegotiation: 'direct' } : {}) },
        // PostgreSQL 17 is the first server that accepts TLS without SSLRequest.
        minServerVersion: negotiation === 'direct' ? DIRECT_TLS_SERVER : undefined,
      }),
    ),
  );
}

/** Scripted servers in front of a real one with TLS on. */
function manInTheMiddleCells(): Cell[] {
  const rows: [ServerKey, string][] = [
    ['front:strip', "answers 'N' and relays plaintext"],
    ['front:junk', "answers 'S', then junk"],
    ['front:inject-relay', "answers 'S' + injected bytes, relays TLS"],
    ['front:inject-close', "answers 'S' + injected bytes, then closes"],
    ['front:error', "answers 'E'"],
    ['front:bad-byte', "answers 'X'"],
    ['front:close', 'closes at SSLRequest'],
  ];
  return rows.flatMap(([server, row]) =>
    sslmodeRow('mitm', { row, targets: [at(server)], params: ROOT }),
  );
}

/** Root certificate sources, each with the HOME it needs. */
const ROOTS: readonly { name: string; params: Record<string, string>; home: HomeKey }[] = [
  { name: 'root given', params: ROOT, home: 'empty' },
  { name: 'other CA given', params: { sslrootcert: '${CERTS}/other-ca.crt' }, home: 'empty' },
  { name: 'no root', params: {}, home: 'empty' },
  { name: 'root in ~/.postgresql', params: {}, home: 'root' },
  { name: 'sslrootcert=system', params: { sslrootcert: 'system' }, home: 'root' },
];

/** Server certificates and host names, against every root source and sslmode. */
function certificateCells(): Cell[] {
  const local = '127.0.0.1';
  const hosts: [string, Target][] = [
    ['server @ localhost', at('cert:server')],
    ['server (IP SAN) @ 127.0.0.1', at('cert:server', local)],
    ['unknown CA @ localhost', at('cert:server-other-ca')],
    ['expired @ localhost', at('cert:server-expired')],
    ['other host name @ localhost', at('cert:server-other-host')],
    [
      '*.localtest.test @ db.localtest.test',
      at('cert:server-wildcard', 'db.localtest.test', local),
    ],
    [
      '*.localtest.test @ a.b.localtest.test',
      at('cert:server-wildcard', 'a.b.localtest.test', local),
    ],
    ['*.localtest.test @ localtest.test', at('cert:server-wildcard', 'localtest.test', local)],
    ['*.localtest.test @ localhost, hostaddr', at('cert:server-wildcard', 'localhost', local)],
    ['CN-only localhost @ localhost', at('cert:server-cn-only')],
    ['CN-only localhost @ 127.0.0.1', at('cert:server-cn-only', local)],
    ['DNS SAN "127.0.0.1" @ 127.0.0.1', at('cert:server-dns-ip', local)],
    ['DNS SAN "127.0.0.1" @ localhost', at('cert:server-dns-ip', 'localhost', local)],
  ];
  return hosts.flatMap(([name, target]) =>
    ROOTS.flatMap((root) =>
      sslmodeRow('certificates', {
        row: `${name}, ${root.name}`,
        targets: [target],
        params: root.params,
        home: root.home,
      }),
    ),
  );
}

/** Certificate revocation lists: root.crl revokes server.crt only. */
function revocationCells(): Cell[] {
  const rows: RowSpec[] = [
    {
      row: 'revoked cert, sslcrl=root.crl, root given',
      targets: [at('cert:server')],
      params: { ...ROOT, sslcrl: '${CERTS}/root.crl' },
    },
    {
      row: 'revoked cert, sslcrl=root.crl, no root',
      targets: [at('cert:server')],
      params: { sslcrl: '${CERTS}/root.crl' },
    },
    {
      row: 'revoked cert, ~/.postgresql/root.crl',
      targets: [at('cert:server')],
      home: 'root-crl',
    },
    {
      row: 'revoked cert, ~/.postgresql/root.crl, sslcrl missing file',
      targets: [at('cert:server')],
      params: { sslcrl: '${HOME}/missing.crl' },
      home: 'root-crl',
    },
    {
      row: 'cert not listed, sslcrl=root.crl',
      targets: [at('cert:server-other-host')],
      params: { ...ROOT, sslcrl: '${CERTS}/root.crl' },
    },
    {
      row: 'sslcrl of another CA',
      targets: [at('cert:server')],
      params: { ...ROOT, sslcrl: '${CERTS}/other-ca.crl' },
    },
  ];
  return rows.flatMap((spec) => sslmodeRow('revocation', spec));
}

/** Client certificates against a server with `cert` authentication on hostssl only. */
function clientCertificateCells(): Cell[] {
  const server = [at('client-cert')];
  // The certificate's user, not the superuser.
  const user = { user: 'rxpg_cert', dbname: 'postgres', ...ROOT };
  const keyPair = (key: string) => ({
    ...user,
    sslcert: '${CERTS}/client.crt',
    sslkey: `\${KEYS}/${key}`,
  });
  const rows: RowSpec[] = [
    { row: 'no client certificate', targets: server, params: user },
    { row: 'sslcert+sslkey, key 0600', targets: server, params: keyPair('client-0600.key') },
    // The process runs as root, so its files are owned by root: 0640 is then allowed.
    {
      row: 'key 0640 owned by root',
      targets: server,
      params: keyPair('client-0640.key'),
      needsRoot: true,
    },
    {
      row: 'key 0644 owned by root',
      targets: server,
      params: keyPair('client-0644.key'),
      needsRoot: true,
    },
    {
      row: 'key 0600 owned by postgres (not root)',
      targets: server,
      params: keyPair('client-0600-postgres.key'),
      needsRoot: true,
    },
    {
      row: 'key 0640 owned by postgres (not root)',
      targets: server,
      params: keyPair('client-0640-postgres.key'),
      needsRoot: true,
    },
    { row: 'key is a folder', targets: server, params: keyPair('key-folder') },
    { row: 'key file missing', targets: server, params: keyPair('missing.key') },
    { row: 'key of another certificate', targets: server, params: keyPair('not-the-client.key') },
    {
      row: 'sslcert file missing',
      targets: server,
      params: { ...keyPair('client-0600.key'), sslcert: '${KEYS}/missing.crt' },
    },
    { row: 'defaults in ~/.postgresql', targets: server, params: user, home: 'client' },
    { row: 'default cert without key', targets: server, params: user, home: 'client-no-key' },
    {
      row: 'defaults, sslcertmode=disable',
      targets: server,
      params: { ...user, sslcertmode: 'disable' },
      home: 'client',
    },
    {
      row: 'encrypted key, right sslpassword',
      targets: server,
      params: { ...keyPair('client-encrypted.key'), sslpassword: 'rxpg-test-passphrase' },
    },
    {
      row: 'encrypted key, wrong sslpassword',
      targets: server,
      params: { ...keyPair('client-encrypted.key'), sslpassword: 'wrong' },
    },
    {
      row: 'encrypted key, no sslpassword',
      targets: server,
      params: keyPair('client-encrypted.key'),
    },
  ];
  return rows.flatMap((spec) => sslmodeRow('client-certificates', spec));
}

/** TLS version ranges against a server that stops at TLSv1.2. */
function tlsVersionCells(): Cell[] {
  const rows: RowSpec[] = [
    { row: 'server max TLSv1.2', targets: [at('tls12-only')], params: ROOT },
    {
      row: 'server max TLSv1.2, ssl_min_protocol_version=TLSv1.3',
      targets: [at('tls12-only')],
      params: { ...ROOT, ssl_min_protocol_version: 'TLSv1.3' },
    },
    {
      row: 'ssl_max_protocol_version=TLSv1.2',
      targets: [at('tls-on')],
      params: { ...ROOT, ssl_max_protocol_version: 'TLSv1.2' },
    },
    {
      row: 'ssl_min TLSv1.3 > ssl_max TLSv1.2',
      targets: [at('tls-on')],
      params: { ...ROOT, ssl_min_protocol_version: 'TLSv1.3', ssl_max_protocol_version: 'TLSv1.2' },
    },
  ];
  return rows.flatMap((spec) => sslmodeRow('tls-versions', spec));
}

const AUTH_OPTIONS: readonly [string, Record<string, string>][] = [
  ['defaults', {}],
  ['channel_binding=disable', { channel_binding: 'disable' }],
  ['channel_binding=require', { channel_binding: 'require' }],
  ['require_auth=password', { require_auth: 'password' }],
  ['require_auth=md5', { require_auth: 'md5' }],
  ['require_auth=scram-sha-256', { require_auth: 'scram-sha-256' }],
  ['require_auth=none', { require_auth: 'none' }],
  ['require_auth=!password', { require_auth: '!password' }],
  ['require_auth=!md5', { require_auth: '!md5' }],
  ['require_auth=!scram-sha-256', { require_auth: '!scram-sha-256' }],
  ['require_auth=!none', { require_auth: '!none' }],
  ['require_auth=password,md5', { require_auth: 'password,md5' }],
  ['require_auth=scram-sha-256,none', { require_auth: 'scram-sha-256,none' }],
  ['require_auth=!password,!md5', { require_auth: '!password,!md5' }],
  [
    'channel_binding=require, require_auth=scram-sha-256',
    {
      channel_binding: 'require',
      require_auth: 'scram-sha-256',
    },
  ],
  ['wrong password', { password: 'wrong' }],
  ['no password', { password: '' }],
];

/** Authentication methods against channel_binding and require_auth. */
function authenticationCells(): Cell[] {
  const users = ['trusty', 'clear', 'md5user', 'scram'];
  const columns = ['disable', 'prefer', 'require'] as const;
  return users.flatMap((user) =>
    AUTH_OPTIONS.flatMap(([name, options]) =>
      sslmodeRow(
        'authentication',
        {
          row: `${user}, ${name}`,
          targets: [at('auth', '127.0.0.1')],
          params: { user, dbname: 'postgres', password: PASSWORD, ...ROOT, ...options },
        },
        columns,
      ),
    ),
  );
}

/** The users of the `split` server, by what its rules ask of them. */
const SPLIT_USERS = {
  tls_md5: 'md5 over TLS, trust over plaintext',
  plain_md5: 'md5 over plaintext, trust over TLS',
} as const;

/** A server that asks for md5 over one transport and trusts the other: libpq's second tries. */
function secondAttemptCells(): Cell[] {
  const options: [string, Record<string, string>][] = [
    ['defaults', {}],
    ['wrong password', { password: 'wrong' }],
    ['no password', { password: '' }],
    ['require_auth=none', { require_auth: 'none' }],
    ['require_auth=md5', { require_auth: 'md5' }],
    ['channel_binding=require', { channel_binding: 'require' }],
  ];
  const columns = ['allow', 'prefer', 'require'] as const;
  return (['tls_md5', 'plain_md5'] as const).flatMap((user) =>
    options.flatMap(([name, extra]) =>
      sslmodeRow(
        'second-attempts',
        {
          row: `${SPLIT_USERS[user]}, ${name}`,
          targets: [at('split', '127.0.0.1')],
          params: { user, dbname: 'postgres', password: PASSWORD, ...ROOT, ...extra },
        },
        columns,
      ),
    ),
  );
}

/** Two hosts: whether a failure on the first lets libpq go on to the second. */
function hostListCells(): Cell[] {
  const second = at('tls-on');
  const firsts: [string, Target][] = [
    ['nothing listening', at('nothing')],
    ["answers 'E'", at('front:error')],
    ["answers 'N'", at('front:strip')],
    ['TLS off', at('tls-off')],
    ['certificate for another host', at('cert:server-other-host')],
    ['unknown CA', at('cert:server-other-ca')],
    ['pg_hba reject', at('reject')],
    ['starting up (57P03)', at('front:starting-up')],
  ];
  const columns = ['prefer', 'require', 'verify-full'] as const;
  return firsts.flatMap(([name, first]) =>
    sslmodeRow(
      'host-list',
      { row: `first ${name}`, targets: [first, second], params: ROOT },
      columns,
    ),
  );
}

/** Every cell of the matrix, in the order the report prints them. */
export function allCells(): Cell[] {
  return [
    ...negotiationCells(),
    ...manInTheMiddleCells(),
    ...certificateCells(),
    ...revocationCells(),
    ...clientCertificateCells(),
    ...tlsVersionCells(),
    ...authenticationCells(),
    ...secondAttemptCells(),
    ...hostListCells(),
  ];
}
