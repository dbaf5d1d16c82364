/** Backend messages for scripted servers, built by hand (protocol 3.0 message formats). */

/** A message: type byte, length (including itself), body. */
export function message(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/** An authentication request ('R') with its code and payload. */
export function auth(code: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const body = Buffer.alloc(4);
  body.writeInt32BE(code, 0);
  return message('R', Buffer.concat([body, payload]));
}

export const authOk = (): Buffer => auth(0);
export const authCleartext = (): Buffer => auth(3);
export const authMd5 = (salt = Buffer.from([1, 2, 3, 4])): Buffer => auth(5, salt);
export const authSasl = (mechanisms: readonly string[]): Buffer =>
  auth(10, Buffer.from(mechanisms.map((m) => `${m}\0`).join('') + '\0'));
export const authSaslContinue = (data: string): Buffer => auth(11, Buffer.from(data));
export const authSaslFinal = (data: string): Buffer => auth(12, Buffer.from(data));

/** ErrorResponse ('E') with severity, SQLSTATE and message. */
export function errorResponse(code: string, text: string): Buffer {
  return message('E', Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${text}\0\0`));
}

/** What a server sends after AuthenticationOk, up to ReadyForQuery (idle). */
export function sessionStart(): Buffer {
  const status = (name: string, value: string): Buffer =>
    message('S', Buffer.from(`${name}\0${value}\0`));
  const key = Buffer.alloc(8);
  key.writeInt32BE(4242, 0);
  key.writeInt32BE(1234567, 4);
  return Buffer.concat([
    status('server_version', '18.0'),
    status('client_encoding', 'UTF8'),
    status('DateStyle', 'ISO, MDY'),
    status('integer_datetimes', 'on'),
    status('standard_conforming_strings', 'on'),
    message('K', key),
    message('Z', Buffer.from('I')),
  ]);
}

/** The parts of a SASLInitialResponse ('p' after AuthenticationSASL). */
export function readSaslInitial(body: Buffer): { mechanism: string; data: string } {
  const end = body.indexOf(0);
  const mechanism = body.subarray(0, end).toString('utf8');
  const length = body.readInt32BE(end + 1);
  return { mechanism, data: body.subarray(end + 5, end + 5 + length).toString('utf8') };
}
