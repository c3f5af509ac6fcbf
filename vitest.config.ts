import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Under CI a JSON report is written too, so .ci/run can print a plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-artifacts/vitest-report.json' },
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'] } },
      // Store-dependent suites: SQLite by default, PostgreSQL when DATABASE_URL is set.
      { test: { name: 'store', include: ['test/integration/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 } },
      { test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false } },
    ],
  },
});
