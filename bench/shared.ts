/**
 * What the benchmark's parent process and its children share: the jobs a child runs, the
 * results it sends back, and the sizes the environment chooses.
 */

/** The throwaway server, as every child needs to reach it. */
export interface BenchServer {
  /** Plain TCP, no TLS: what the streaming and pool scenarios use. */
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** The verify-full TLS + SCRAM-SHA-256 login of the connect scenario. */
  readonly tls: {
    /** The certificate names localhost; /etc/hosts must map it to 127.0.0.1. */
    readonly host: 'localhost';
    readonly user: string;
    readonly password: string;
    /** The CA that signed the server certificate, as a file (libpq style) and as PEM. */
    readonly caFile: string;
    readonly ca: string;
  };
}

export type Scenario = 'stream' | 'slow' | 'pool' | 'connect';

/** Sizes of one benchmark run; BENCH_QUICK=1 shrinks them all. */
export interface Sizes {
  /** Rows of the streaming scenario. */
  readonly streamRows: number;
  /** Rows of the slow-consumer scenario. */
  readonly slowRows: number;
  /** The slow consumer waits `slowDelayMs` after every `slowEvery` rows. */
  readonly slowEvery: number;
  readonly slowDelayMs: number;
  /** Queries of the pool scenario, all issued at once. */
  readonly poolQueries: number;
  readonly poolSize: number;
  /** Connections timed in the connect scenario (after one untimed warm-up). */
  readonly connects: number;
  /** Batch size of every cursor-style client (pg-query-stream, postgres.js cursor). */
  readonly cursorBatch: number;
  /** A child whose RSS passes this is stopped and reported as such. */
  readonly rssLimitMB: number;
}

/** One child's work: one client, one scenario. */
export interface Job {
  readonly scenario: Scenario;
  readonly client: string;
  readonly server: BenchServer;
  readonly sizes: Sizes;
}

/** Sums that prove a client decoded every field of every row to the agreed types. */
export interface Checksum {
  readonly rows: number;
  readonly sumI: number;
  readonly textLength: number;
  readonly numericLength: number;
  /** Rows whose timestamp was not `now() + i seconds` (must be 0). */
  readonly badDates: number;
}

/** What a child reports; the parent adds nothing but the client's name. */
export interface RunResult {
  readonly ok: boolean;
  readonly error?: string;
  /** Set (with ok false) when the client lacks what the scenario needs, saying what. */
  readonly skipped?: string;
  /** Rows or queries handled in the timed part. */
  readonly count?: number;
  /** Seconds of the timed part. */
  readonly seconds?: number;
  /** Peak resident set of the whole process, in MB. */
  readonly maxRssMB?: number;
  /** Resident set just before the timed part, in MB (the client loaded and connected). */
  readonly startRssMB?: number;
  readonly checksum?: Checksum;
  /** Set when the child gave up early, saying why (e.g. the RSS limit). */
  readonly stopped?: string;
  /** Per-connection times of the connect scenario, in ms. */
  readonly samplesMs?: readonly number[];
  /** The timed part on the monotonic clock, in µs (what `--cpu-prof` timestamps use). */
  readonly windowUs?: readonly [number, number];
  /** How the client ran, when it is not obvious from its name. */
  readonly note?: string;
}

/**
 * The streamed query: int4, text, timestamptz and numeric. Aliases make the row objects'
 * keys distinct (without them, two columns would both be named `?column?`).
 */
export function streamSql(rows: number): string {
  return (
    `select i, 'row ' || i as label, now() + i * interval '1 second' as at, ` +
    `(i * 1.5)::numeric as amount from generate_series(1, ${rows}) i`
  );
}

/** The small query of the pool scenario. */
export const POOL_SQL = 'select $1::int as n';

/** The query of the connect scenario. */
export const CONNECT_SQL = 'select 1 as n';

export const BYTES_PER_MB = 1024 * 1024;
