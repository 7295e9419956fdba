import { defineConfig } from 'vitest/config';

/** The fast part, for CI: every scenario, in small sizes. `pnpm suite` adds the heavy ones (slow/). */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Every test spawns real engine processes; two cores are easily saturated.
    maxWorkers: 2,
  },
});
