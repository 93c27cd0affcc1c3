import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'commandbus',
    include: ['src/**/*.test.ts', 'e2e/**/*.test.ts'],
  },
});
