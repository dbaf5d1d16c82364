import { ErrorCode, RxpgError } from '../errors';
import type { FieldDescription } from '../protocol/messages';
import { RowDecoder, type Column } from './columns';
import type { QueryOptions } from './query-options';
import type { QueryOutput } from './query-output';

/** Node's code for a string over V8's limit (about 512 MB of Latin-1, 1 GB of UTF-16). */
const STRING_TOO_LONG = 'ERR_STRING_TOO_LONG';

/**
 * Decodes the rows of one result after another, with the query's parsers and
 * row mode, as each RowDescription (or cached description) arrives.
 * @internal
 */
export class RowReader {
  /** The decoder of the result being received; undefined between results. */
  private decoder: RowDecoder | undefined;

  constructor(private readonly options: QueryOptions) {}

  /**
   * A result's description: its rows decode with these columns from now on.
   * Calls the query's `onColumns`, whose error is thrown to the caller.
   */
  describe(fields: readonly FieldDescription[]): readonly Column[] {
    this.decoder = RowDecoder.for(fields, this.options.types, this.options.rowMode);
    const columns = this.decoder.columns;
    this.options.onColumns?.(columns);
    return columns;
  }

  /** The result ended: a row now would have no description. */
  reset(): void {
    this.decoder = undefined;
  }

  /**
   * Decodes the DataRow body at `buffer[start, end)` and hands the row to
   * `output`; a row that cannot be decoded ends the output with its coded
   * error instead. Returns true when a row was handed over.
   */
  deliver(output: QueryOutput, buffer: Buffer, start: number, end: number): boolean {
    let row: unknown;
    try {
      row = this.decode(buffer, start, end);
    } catch (error) {
      output.end(asError(error));
      return false;
    }
    output.row(row);
    return true;
  }

  /** Decodes the DataRow body at `buffer[start, end)`; throws a coded error. */
  decode(buffer: Buffer, start: number, end: number): unknown {
    if (this.decoder === undefined) {
      throw new RxpgError(ErrorCode.ProtocolViolation, 'data row without a row description');
    }
    try {
      return this.decoder.decode(buffer, start, end);
    } catch (cause) {
      throw decodeFailure(cause);
    }
  }
}

/** A value that could not be decoded (too large for a string, a throwing parser). */
export function decodeFailure(cause: unknown): RxpgError {
  if (cause instanceof RxpgError) return cause;
  // Errors from Node's internals may come from another realm (a vm context): read them by shape.
  const { message, code } = (cause ?? {}) as { message?: unknown; code?: unknown };
  const tooLong = code === STRING_TOO_LONG;
  const text = typeof message === 'string' ? message : String(cause);
  return new RxpgError(ErrorCode.DecodeFailed, `could not decode a value: ${text}`, {
    cause,
    hint: tooLong
      ? 'a text value this large cannot be a JavaScript string: select it in parts ' +
        '(substring), or as bytea, which is read into a Buffer'
      : undefined,
  });
}

/** Anything thrown, as an Error for a subscriber. */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
