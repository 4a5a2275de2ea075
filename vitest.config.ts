import { defineConfig } from 'vitest/config';

// Unit and integration tests run in Node against real parts (SQLite files, sharp,
// onnxruntime, loopback HTTP). Browser tests live in test/e2e and run under Playwright.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
