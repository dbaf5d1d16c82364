import { serialize } from 'pg-protocol';

/** Execute (unnamed portal, every row) and Sync: the same bytes after every Bind. */
const EXECUTE_SYNC = Buffer.concat([serialize.execute({}), serialize.sync()]);
const BIND = 0x42; // 'B'

/**
 * Bind (unnamed portal, text results), Execute and Sync for `statement`, in
 * one buffer: what every execution of a prepared statement sends. Written
 * here rather than with pg-protocol's serializer, whose pieces would each be
 * a buffer of their own, joined again for every query. A Buffer parameter
 * goes in binary format (bytea), a string in text, null as NULL.
 * @internal
 */
export function bindExecuteSync(
  statement: string,
  values: readonly (string | Buffer | null)[],
): Buffer {
  const nameLength = Buffer.byteLength(statement);
  let binary = false;
  // code, length, portal "", name, format count, parameter count, result format count
  let size = 1 + 4 + 1 + nameLength + 1 + 2 + 2 + 2;
  for (const value of values) {
    size += 4;
    if (value === null) continue;
    if (typeof value === 'string') {
      size += Buffer.byteLength(value);
    } else {
      size += value.length;
      binary = true;
    }
  }
  // With a binary value, every parameter gets its format code; otherwise none (all text).
  if (binary) size += 2 * values.length;
  const bytes = Buffer.allocUnsafe(size + EXECUTE_SYNC.length);
  bytes[0] = BIND;
  bytes.writeInt32BE(size - 1, 1);
  let at = 5;
  bytes[at++] = 0; // the unnamed portal
  at += bytes.write(statement, at);
  bytes[at++] = 0;
  if (binary) {
    at = bytes.writeUInt16BE(values.length, at);
    for (const value of values) at = bytes.writeInt16BE(Buffer.isBuffer(value) ? 1 : 0, at);
  } else {
    at = bytes.writeInt16BE(0, at);
  }
  // Counts are unsigned: up to 65,535 parameters.
  at = bytes.writeUInt16BE(values.length, at);
  for (const value of values) {
    if (value === null) {
      at = bytes.writeInt32BE(-1, at);
    } else if (typeof value === 'string') {
      const written = bytes.write(value, at + 4);
      bytes.writeInt32BE(written, at);
      at += 4 + written;
    } else {
      at = bytes.writeInt32BE(value.length, at);
      at += value.copy(bytes, at);
    }
  }
  at = bytes.writeInt16BE(0, at); // results: all text
  EXECUTE_SYNC.copy(bytes, at);
  return bytes;
}
