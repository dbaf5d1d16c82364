import { Client } from '../../src/client/client';
import { ErrorCode } from '../../src/errors';

/** A Client that never connects: options are checked in the constructor. */
function clientWith(options: Record<string, unknown>): Client {
  return new Client('host=/nonexistent-rxpg', options);
}

describe('the options of the LISTEN connection check', () => {
  it.each([
    ['listenCheckIntreval', 'listenCheckInterval'],
    ['listen_check_timeout', 'listenCheckTimeout'],
  ])('refuses the misspelt option %s and suggests %s', (name, guess) => {
    expect(() => clientWith({ [name]: 1_000 })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidConfig, hint: `did you mean "${guess}"?` }),
    );
  });

  it.each([
    ['listenCheckInterval', -1],
    ['listenCheckInterval', Number.NaN],
    ['listenCheckTimeout', '1000'],
    ['listenCheckTimeout', 2 ** 31],
  ])('refuses %s %p, naming it', (name, value) => {
    expect(() => clientWith({ [name]: value })).toThrow(
      expect.objectContaining({
        code: ErrorCode.InvalidConfig,
        message: expect.stringContaining(name) as unknown,
      }),
    );
  });

  it.each([
    { listenCheckInterval: 0 },
    { listenCheckInterval: 5_000, listenCheckTimeout: 0 },
    { listenCheckInterval: Infinity, listenCheckTimeout: 2 ** 31 - 1 },
  ])('takes %p', (options) => {
    const client = clientWith(options);
    expect(client.stats.total).toBe(0);
    client.closeNow();
  });
});
