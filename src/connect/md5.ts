import { ErrorCode, RxpgError } from '../errors';
import { loadCrypto } from './lazy-modules';

/** AuthenticationMD5Password always carries a 4-byte salt. */
const MD5_SALT_LENGTH = 4;

/**
 * The PasswordMessage answer to AuthenticationMD5Password:
 * `'md5' + md5hex(md5hex(password + user) + salt)`, 35 ASCII characters.
 *
 * It is a string because pg-protocol's `serialize.password(text)` writes a string;
 * user and password are hashed as UTF-8, as libpq sends them with client_encoding UTF8.
 *
 * @example
 * const reply = md5Password('postgres', 'secret', message.salt);
 * socket.write(serialize.password(reply)); // 'md5' followed by 32 hex digits
 */
export function md5Password(user: string, password: string, salt: Buffer): string {
  if (salt.length !== MD5_SALT_LENGTH) {
    throw new RxpgError(
      ErrorCode.ProtocolViolation,
      `the MD5 salt must be ${MD5_SALT_LENGTH} bytes, not ${salt.length}`,
    );
  }
  const inner = md5Hex(Buffer.from(password + user, 'utf8'));
  return 'md5' + md5Hex(Buffer.concat([Buffer.from(inner, 'latin1'), salt]));
}

function md5Hex(data: Buffer): string {
  return loadCrypto().createHash('md5').update(data).digest('hex');
}
