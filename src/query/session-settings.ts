import { ErrorCode, RxpgError } from '../errors';

/**
 * Checks a server setting that changed after startup (ParameterStatus) against
 * what rxpg's text decoding relies on: dates in the ISO style, intervals in the
 * postgres style. Another IntervalStyle would make every interval decode as
 * zero, another DateStyle every date fail: the connection cannot go on, as
 * pgjdbc also decides. (client_encoding is checked by the connection itself.)
 *
 * @example
 * unsupportedSetting('IntervalStyle', 'iso_8601'); // an RxpgError
 * unsupportedSetting('DateStyle', 'ISO, DMY'); // undefined: the output stays ISO
 * @internal
 */
export function unsupportedSetting(name: string, value: string): RxpgError | undefined {
  if (name === 'DateStyle' && !value.trim().toUpperCase().startsWith('ISO')) {
    return new RxpgError(
      ErrorCode.UnsupportedServerSetting,
      `DateStyle changed to ${value}; rxpg reads dates in the ISO style only`,
      { hint: "keep the ISO output style; only the field order may change, e.g. 'ISO, DMY'" },
    );
  }
  if (name === 'IntervalStyle' && value !== 'postgres') {
    return new RxpgError(
      ErrorCode.UnsupportedServerSetting,
      `IntervalStyle changed to ${value}; rxpg reads intervals in the postgres style only`,
      { hint: 'do not SET IntervalStyle on an rxpg connection; format intervals with to_char' },
    );
  }
  return undefined;
}
