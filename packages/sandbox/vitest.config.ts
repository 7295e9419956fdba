import { defineConfig } from 'vitest/config';

// Real PostgreSQL clusters and service processes: one test file at a time (2-core machines), generous limits.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
