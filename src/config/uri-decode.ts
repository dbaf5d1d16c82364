/**
 * Percent-decoding of URI parts, as libpq does it.
 * @internal
 */
import { invalidConfig } from './fail';

function hexValue(c: string | undefined): number | undefined {
  if (c === undefined || !/^[0-9A-Fa-f]$/.test(c)) return undefined;
  return parseInt(c, 16);
}

/**
 * Decodes `%xy` triplets. Spaces around the value are dropped; a space inside
 * it is an error (libpq asks for `%20`). `%00` is refused. The decoded bytes
 * are read as UTF-8.
 *
 * `shown` is how the value appears in error messages: the value itself,
 * unless it is secret.
 */
export function uriDecode(encoded: string, shown: string = `"${encoded}"`): string {
  const value = encoded.replace(/^ +/, '').replace(/ +$/, '');
  if (value.includes(' ')) {
    throw invalidConfig(
      `unexpected spaces found in ${shown}, use percent-encoded spaces (%20) instead`,
    );
  }
  const bytes: number[] = [];
  for (let i = 0; i < value.length;) {
    if (value[i] !== '%') {
      const next = value.codePointAt(i) ?? 0;
      const char = String.fromCodePoint(next);
      bytes.push(...Buffer.from(char, 'utf8'));
      i += char.length;
      continue;
    }
    const hi = hexValue(value[i + 1]);
    const lo = hexValue(value[i + 2]);
    if (hi === undefined || lo === undefined) {
      throw invalidConfig(`invalid percent-encoded token: ${shown}`);
    }
    const byte = hi * 16 + lo;
    if (byte === 0) {
      throw invalidConfig(`forbidden value %00 in percent-encoded value: ${shown}`);
    }
    bytes.push(byte);
    i += 3;
  }
  return Buffer.from(bytes).toString('utf8');
}
