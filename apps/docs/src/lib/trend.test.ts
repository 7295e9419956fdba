import { describe, expect, it } from 'vitest';
import type { RunSummary } from './runs';
import { durationTrend } from './trend';

function run(runId: string, status: string, durationMs: number | null, endedAt = '2026-11-24T10:00:05Z'): RunSummary {
  return {
    runId,
    runbookId: 'dr-drill',
    status,
    startedAt: '2026-11-24T10:00:00Z',
    endedAt: durationMs === null ? null : endedAt,
    durationMs,
    operator: 'alice',
    host: 'ci',
    outputs: {},
    params: {},
    source: 'evidence',
    file: '',
    alsoIn: [],
    storeRuns: null,
  };
}

describe('durationTrend', () => {
  // Newest first, as loadRunHistory returns them.
  const runs = [run('r4', 'passed', 2000, '2026-11-24T12:00:00Z'), run('r3', 'rolled-back', 8000), run('r2', 'interrupted', null), run('r1', 'passed', 4000)];
  const trend = durationTrend(runs);

  it('charts finished runs newest first, each labelled with its date, status in words and duration', () => {
    expect(trend.bars.map((b) => [b.runId, b.whenLabel, b.statusLabel, b.durationLabel])).toEqual([
      ['r4', '2026-11-24 12:00 UTC', 'passed', '2.0s'],
      ['r3', '2026-11-24 10:00 UTC', 'rolled back', '8.0s'],
      ['r1', '2026-11-24 10:00 UTC', 'passed', '4.0s'],
    ]);
  });

  it('scales lengths to the longest run', () => {
    expect(trend.bars.map((b) => b.percent)).toEqual([25, 100, 50]);
  });

  it('says what it shows in words, a rollback as a rollback', () => {
    expect(trend.summary).toBe('Durations of the last 3 finished runs, newest first: 2 passed, 1 rolled back; from 2.0s to 8.0s.');
  });

  it('shows only the newest `limit` runs, and still draws zero-length runs', () => {
    const many = Array.from({ length: 15 }, (_, i) => run(`r${15 - i}`, 'passed', 0));
    const limited = durationTrend(many, { limit: 10 });
    expect(limited.bars.map((b) => b.runId)).toEqual(['r15', 'r14', 'r13', 'r12', 'r11', 'r10', 'r9', 'r8', 'r7', 'r6']);
    expect(limited.bars.every((b) => b.percent === 1)).toBe(true);
  });

  it('is empty, with a sentence, when nothing finished', () => {
    expect(durationTrend([run('x', 'interrupted', null)])).toMatchObject({ bars: [], summary: 'No finished runs to chart.' });
  });
});
