import { describe, expect, it } from 'vitest';
import type { RunSummary } from './runs';
import { durationTrend } from './trend';

function run(runId: string, status: string, durationMs: number | null): RunSummary {
  return {
    runId,
    runbookId: 'dr-drill',
    status,
    startedAt: '2026-11-24T10:00:00Z',
    endedAt: durationMs === null ? null : '2026-11-24T10:00:05Z',
    durationMs,
    operator: 'alice',
    host: 'ci',
    outputs: {},
    source: 'evidence',
    file: '',
    inBoth: false,
  };
}

describe('durationTrend', () => {
  // Newest first, as loadRunHistory returns them.
  const runs = [run('r4', 'passed', 2000), run('r3', 'rolled-back', 8000), run('r2', 'interrupted', null), run('r1', 'passed', 4000)];
  const trend = durationTrend(runs, { width: 300, height: 140 });

  it('charts finished runs oldest first, skipping runs without a duration', () => {
    expect(trend.bars.map((b) => [b.runId, b.statusLabel, b.durationLabel])).toEqual([
      ['r1', 'pass', '4.0s'],
      ['r3', 'fail', '8.0s'],
      ['r4', 'pass', '2.0s'],
    ]);
  });

  it('scales heights to the longest run and stands every bar on the baseline', () => {
    const [r1, r3, r4] = trend.bars;
    expect(r3!.height).toBe(trend.baseline - 16);
    expect(r1!.height).toBe(Math.round(r3!.height / 2));
    expect(r4!.height).toBe(Math.round(r3!.height / 4));
    for (const bar of trend.bars) expect(bar.y + bar.height).toBe(trend.baseline);
  });

  it('keeps bars inside the chart, left to right', () => {
    const xs = trend.bars.map((b) => b.x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    for (const bar of trend.bars) expect(bar.x + bar.width).toBeLessThanOrEqual(trend.width);
  });

  it('says what it shows in words', () => {
    expect(trend.summary).toBe('Durations of the last 3 finished run(s), oldest first: 2 passed, 1 did not; from 2.0s to 8.0s.');
  });

  it('shows only the newest `limit` runs, and still draws zero-length runs', () => {
    const many = Array.from({ length: 15 }, (_, i) => run(`r${15 - i}`, 'passed', 0));
    const limited = durationTrend(many, { limit: 10 });
    expect(limited.bars.map((b) => b.runId)).toEqual(['r6', 'r7', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15']);
    expect(limited.bars.every((b) => b.height === 2)).toBe(true);
  });

  it('is empty, with a sentence, when nothing finished', () => {
    expect(durationTrend([run('x', 'interrupted', null)])).toMatchObject({ bars: [], summary: 'No finished runs to chart.' });
  });
});
