import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start DynamoDB Local and local HTTP doubles; give them room on 2 cores.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    // CLI commands leave DynamoDB Local running for follow-ups; tests that want it say so.
    env: { RESPONDER_DB_IDLE_SECONDS: '0' },
  },
});
