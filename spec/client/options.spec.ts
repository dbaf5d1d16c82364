import { Client } from '../../src/client/client';
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

  it('takes the options of connect() too', () => {
    const client = new Client('host=/nonexistent-rxpg', { pipelineDepth: 2, cancelTimeout: 1000 });
    expect(client.stats.total).toBe(0);
    client.closeNow();
  });
});
