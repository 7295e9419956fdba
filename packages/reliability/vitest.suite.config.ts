import { defineConfig } from 'vitest/config';

/** Everything: the fast tests plus the load and scale runs that write figures to results/. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'slow/**/*.test.ts'],
    testTimeout: 1_200_000,
    hookTimeout: 600_000,
    maxWorkers: 1,
    env: { RELIABILITY_FULL: '1' },
  },
});
