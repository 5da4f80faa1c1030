import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // A guard against hangs, not a timing assertion: many tests start whole processes, and CI machines can be slow.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Each file starts its own redis-server processes on free ports; two at a time fits a 2-core machine.
    maxWorkers: 2,
  },
});
