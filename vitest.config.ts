import { defineConfig } from 'vitest/config';

// One PostgreSQL per test run (started by the global setup, unless
// TEST_DATABASE_URL names one); every test file gets its own database from it.
export default defineConfig({
  test: {
    globalSetup: ['./libs/testing/src/global-setup.ts'],
    projects: [
      'libs/*/vitest.config.ts',
      'migrations/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'tools/vitest.config.ts',
    ],
    // Timeouts are set per project: project configs do not inherit them.
    teardownTimeout: 30_000,
  },
});
