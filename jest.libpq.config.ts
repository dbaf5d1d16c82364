import type { Config } from 'jest';

import base from './jest.config';

/**
 * `npm run test:libpq`: the differential suite that runs psql (with libpq 18) and rxpg on the
 * same connection parameters and servers. Its files end in `.libpq.ts`, so `npm test` (which
 * runs `*.spec.ts`) leaves them out.
 */
const config: Config = {
  ...base,
  roots: ['<rootDir>/spec/libpq'],
  testMatch: ['**/*.libpq.ts'],
  testTimeout: 600_000,
};

export default config;
