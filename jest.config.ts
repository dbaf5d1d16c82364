import type { Config } from 'jest';

const config: Config = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  // Live tests start their own PostgreSQL servers; give them room on a 2-core machine.
  testTimeout: 60_000,
  maxWorkers: 2,
  globalSetup: '<rootDir>/spec/support/global-setup.ts',
};

export default config;
