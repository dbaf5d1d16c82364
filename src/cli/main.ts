#!/usr/bin/env node
/**
 * The rxpg command: streams the rows of one query to stdout.
 *
 *   rxpg [CONNINFO] -c SQL [--format ndjson|csv] [--output FILE] [--throwaway]
 *
 * The only part of rxpg that prints.
 */
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { finalize, Subscription } from 'rxjs';
import { withConnection } from '../connection/with-connection';
import { RxpgError } from '../errors';
import type { Row } from '../query/columns';
import { keepText, type TypeParsers } from '../query/types';
import { formatterFor, type OutputFormat } from './format';
import { Progress } from './progress';
import { RowWriter } from './row-writer';
import { startThrowawayForCli, type CliServer } from './throwaway-cli';

const USAGE = `usage: rxpg [CONNINFO] -c SQL [--format ndjson|csv] [--output FILE] [--throwaway]

  CONNINFO         a postgresql:// URI or libpq key=value string (PG* variables fill the rest)
  -c, --command    the SQL to run; its rows are streamed as they arrive
  -f, --format     ndjson (default) or csv
  -o, --output     write rows to FILE instead of stdout
  --throwaway      start a temporary PostgreSQL (TLS on, sslmode=verify-full) and remove it at exit
  -h, --help       this text`;

/**
 * Every type kept as the server's own text: an export shows values exactly as
 * PostgreSQL prints them (microseconds, infinity, bytea, arrays), and skips
 * decoding altogether.
 */
const AS_TEXT: TypeParsers = new Proxy({}, { get: () => keepText });

interface CliOptions {
  readonly conninfo: string | undefined;
  readonly sql: string;
  readonly format: OutputFormat;
  readonly output: string | undefined;
  readonly throwaway: boolean;
}

function parseCommandLine(argv: string[]): CliOptions | undefined {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      command: { type: 'string', short: 'c' },
      format: { type: 'string', short: 'f', default: 'ndjson' },
      output: { type: 'string', short: 'o' },
      throwaway: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  if (values.command === undefined) throw new UsageError('-c SQL is required');
  if (values.format !== 'ndjson' && values.format !== 'csv') {
    throw new UsageError(`unknown format "${values.format}" (ndjson or csv)`);
  }
  if (positionals.length > 1) throw new UsageError('give at most one CONNINFO');
  if (values.throwaway && positionals.length > 0) {
    throw new UsageError('--throwaway makes its own server; leave CONNINFO out');
  }
  return {
    conninfo: positionals[0],
    sql: values.command,
    format: values.format,
    output: values.output,
    throwaway: values.throwaway,
  };
}

class UsageError extends Error {}

async function main(): Promise<number> {
  let options: CliOptions | undefined;
  try {
    options = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`rxpg: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  let server: CliServer | undefined;
  if (options.throwaway) {
    process.stderr.write('rxpg: starting a throwaway PostgreSQL server...\n');
    server = await startThrowawayForCli();
    process.stderr.write(
      `rxpg: throwaway PostgreSQL ${server.version} on ${server.conninfo} (removed at exit)\n`,
    );
  }
  try {
    return await run(options, server?.conninfo ?? options.conninfo);
  } finally {
    await server?.stop();
  }
}

/** Runs the query; resolves to the exit status. Ctrl-C unsubscribes, which stops the query. */
function run(options: CliOptions, conninfo: string | undefined): Promise<number> {
  const output = options.output === undefined ? process.stdout : createWriteStream(options.output);
  const writer = new RowWriter(output, formatterFor(options.format));
  const progress = new Progress(process.stderr);

  return new Promise<number>((resolve) => {
    let subscription: Subscription | undefined = undefined;
    const onSignal = (): void => {
      subscription?.unsubscribe();
      progress.finish('interrupted');
      writer.end().then(() => resolve(130));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);

    subscription = withConnection(conninfo, (connection) =>
      connection.query<Row>(options.sql, { types: AS_TEXT }),
    )
      .pipe(
        finalize(() => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }),
      )
      .subscribe({
        next: (row) => {
          writer.write(row);
          progress.add();
        },
        error: (error: unknown) => {
          progress.finish('failed');
          process.stderr.write(`rxpg: ${describe(error)}\n`);
          writer.end().then(() => resolve(1));
        },
        complete: () => {
          progress.finish('done');
          writer.end().then(() => resolve(0));
        },
      });
  });
}

function describe(error: unknown): string {
  if (error instanceof RxpgError) {
    return `${error.message} [${error.code}]${error.hint ? `\nhint: ${error.hint}` : ''}`;
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.message} [${code}]` : error.message;
  }
  return String(error);
}

main().then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`rxpg: ${describe(error)}\n`);
    process.exitCode = 1;
  },
);
