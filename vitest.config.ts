import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'bridges/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // Integration files start real servers on their own free ports; two at a time fits 2 cores.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
