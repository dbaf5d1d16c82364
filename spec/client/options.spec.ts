import { Client } from '../../src/client/client';
import { firstValueFrom } from 'rxjs';
import { connect } from '../../src/connection/connect';
import { ErrorCode } from '../../src/errors';

describe('Client options', () => {
  it.each([
    ['maxConnection', 'maxConnections'],
    ['max_connections', 'maxConnections'],
    ['idleTimout', 'idleTimeout'],
  ])('refuses the misspelt option %s and suggests %s', (name, guess) => {
    expect(() => new Client('host=/nonexistent-rxpg', { [name]: 2 })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidConfig, hint: `did you mean "${guess}"?` }),
    );
  });

  it.each([0, -1, 2.5, NaN, Infinity])(
    'refuses pipelineDepth %s, here and in connect()',
    async (depth) => {
      const refused = expect.objectContaining({
        code: ErrorCode.InvalidConfig,
        message: expect.stringContaining('pipelineDepth'),
      });
      expect(() => new Client('host=/nonexistent-rxpg', { pipelineDepth: depth })).toThrow(refused);
      // Refused before anything is opened: the socket path does not exist.
      await expect(
        firstValueFrom(connect('host=/nonexistent-rxpg', { env: {}, pipelineDepth: depth })),
      ).rejects.toEqual(refused);
    },
  );

  it('takes the options of connect() too', () => {
    const client = new Client('host=/nonexistent-rxpg', { pipelineDepth: 2, cancelTimeout: 1000 });
    expect(client.stats.total).toBe(0);
    client.closeNow();
  });
});
