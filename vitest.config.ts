import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'bridges/**/*.test.ts'],
    // Fails a test in which a gateway sent a stanza that is not well-formed XML (issue 9).
    setupFiles: ['test/setup/xml-audit.ts', 'test/setup/cleanup.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // Integration files start real servers on their own free ports; two at a time fits 2 cores.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
