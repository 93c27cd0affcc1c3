import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'commandbus-schema',
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
  },
});
