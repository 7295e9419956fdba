/** Load, heavy sizes (`pnpm suite`): 50 concurrent runs, 20 runbooks at once, 5,000 steps, 1 GiB of output. */
import { afterAll, describe, expect, it } from 'vitest';
import { record } from '../src/figures.js';
import { baseline, bigOutput, concurrentSameRunbook, differentRunbooks, manySteps } from '../src/load.js';

const figures: Record<string, number> = {};

describe('load (heavy)', () => {
  it('50 concurrent runs of one runbook: exactly one runs, 49 are refused with exit 4', async () => {
    const r = await concurrentSameRunbook(50);
    Object.assign(figures, { concurrentAttempts: r.attempts, concurrentRan: r.ran, concurrentRefused: r.refused });
  });
  it('20 different runbooks at once all pass', async () => {
    const r = await differentRunbooks(20);
    Object.assign(figures, { differentRunbooksHeld: r.held, differentRunbooksWallMs: r.wallMs });
  });
  it('a 5,000-step runbook finishes with bounded memory', async () => {
    const base = await baseline();
    const r = await manySteps(5000, 10);
    expect(r.peakRssMiB).toBeLessThan(base + 256);
    Object.assign(figures, { baselineRssMiB: base, steps5000Ms: r.ms, steps5000PeakRssMiB: r.peakRssMiB });
  });
  it('a step writing 1 GiB of output finishes with bounded memory', async () => {
    const base = await baseline();
    const r = await bigOutput(1024);
    expect(r.peakRssMiB).toBeLessThan(base + 64);
    Object.assign(figures, { output1GiBMs: r.ms, output1GiBPeakRssMiB: r.peakRssMiB, output1GiBMiBPerS: Math.round(1024 / (r.ms / 1000)) });
  });
});

afterAll(() => record('load', figures));
