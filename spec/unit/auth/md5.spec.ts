import { createHash } from 'node:crypto';
import { md5Password } from '../../../src/connect/md5';
import { ErrorCode, RxpgError } from '../../../src/errors';

/** The definition, written out step by step, to check the implementation against. */
function byDefinition(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5').update(password).update(user).digest('hex');
  return 'md5' + createHash('md5').update(inner).update(salt).digest('hex');
}

describe('md5Password', () => {
  it('answers postgres/postgres with salt 01020304 with the known digest', () => {
    const salt = Buffer.from([1, 2, 3, 4]);
    expect(md5Password('postgres', 'postgres', salt)).toBe('md568be9ed08db75f318087ab337aaea044');
  });

  it('hashes user and password as UTF-8 and the salt as raw bytes', () => {
    const salt = Buffer.from([0xff, 0x00, 0x10, 0x80]);
    expect(md5Password('jürgen', 'pässword', salt)).toBe('md5f745beb8f1d468a0d629255161b3d65d');
  });

  it.each([
    ['alice', 'correct horse', [9, 8, 7, 6]],
    ['', '', [0, 0, 0, 0]],
    ['u', 'p'.repeat(500), [255, 255, 255, 255]],
  ])('matches the definition for user %j', (user, password, salt) => {
    const bytes = Buffer.from(salt);
    expect(md5Password(user, password, bytes)).toBe(byDefinition(user, password, bytes));
  });

  it('is 35 ASCII characters, ready for serialize.password', () => {
    expect(md5Password('a', 'b', Buffer.from([1, 2, 3, 4]))).toMatch(/^md5[0-9a-f]{32}$/);
  });

  it('refuses a salt that is not 4 bytes as a protocol violation', () => {
    const call = () => md5Password('a', 'b', Buffer.from([1, 2, 3]));
    expect(call).toThrow(RxpgError);
    expect(call).toThrow(expect.objectContaining({ code: ErrorCode.ProtocolViolation }));
  });
});
