import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'embedded-postgres',
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
  },
});
