import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'worker',
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
    // Real databases and child processes: generous limits, never timed asserts.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
