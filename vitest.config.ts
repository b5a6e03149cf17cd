import { defineConfig } from 'vitest/config';

// Tiers by file name: *.unit.test.ts (no services), *.int.test.ts (real PostgreSQL, MariaDB, NATS, SQLite),
// *.e2e.test.ts (whole scenarios, browser included). Every integration test creates its own database, so files
// run in parallel safely.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
