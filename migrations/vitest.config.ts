import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'migrations',
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
    // Projects do not inherit the root's timeouts; the e2e tests start child
    // processes (the CLI, nx) and create databases, which takes seconds.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
