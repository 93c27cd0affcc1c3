import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'migrations',
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
  },
});
