/**
 * Load, in CI sizes: concurrent runs of one runbook (one runs, the rest exit 4), several runbooks
 * at once, a long runbook and a loud step, with the engine's peak memory bounded.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { record } from '../src/figures.js';
import { FULL } from '../src/harness.js';
import { baseline, bigOutput, concurrentSameRunbook, differentRunbooks, manySteps } from '../src/load.js';

const figures: Record<string, number> = {};

describe.skipIf(FULL)('load (CI sizes; `pnpm suite` runs the heavy ones)', () => {
  it('8 concurrent runs of one runbook: exactly one runs, 7 are refused with exit 4', async () => {
    const r = await concurrentSameRunbook(8);
    figures.ciConcurrentAttempts = r.attempts;
  });
  it('4 different runbooks at once all pass', async () => {
    await differentRunbooks(4);
  });
  it('500 steps and 64 MiB of output stay within bounded memory', async () => {
    const base = await baseline();
    const steps = await manySteps(500, 10);
    const big = await bigOutput(64);
    // Bounded: nothing close to the output's size is held (the tail is 4 KiB).
    expect(big.peakRssMiB).toBeLessThan(base + 64);
    expect(steps.peakRssMiB).toBeLessThan(base + 64);
    Object.assign(figures, { ciBaselineRssMiB: base, ci500StepsRssMiB: steps.peakRssMiB, ci64MiBOutputRssMiB: big.peakRssMiB });
  });
});

afterAll(() => {
  if (!FULL) record('load-ci', figures);
});
