import { parserFor, TypeParsers } from '../../../src/query/types';

/** Decodes one value the way the row decoder does: no parser means the text itself. */
export function decode(oid: number, text: string, overrides?: TypeParsers): unknown {
  const parser = parserFor(oid, overrides);
  return parser === undefined ? text : parser(text);
}
