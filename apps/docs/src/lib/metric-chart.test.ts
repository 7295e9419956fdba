import { describe, expect, it } from 'vitest';
import { canaryChart, niceMax, parseLimits, runMetricCharts } from './metric-chart';
import type { RunSummary } from './runs';

function run(runId: string, endedAt: string, outputs: Record<string, string>, params: Record<string, string> = {}): RunSummary {
  return {
    runId,
    runbookId: 'load-test',
    status: 'passed',
    startedAt: endedAt,
    endedAt,
    durationMs: 5000,
    operator: 'alice',
    host: 'ci',
    outputs,
    params,
    source: 'evidence',
    file: '',
    alsoIn: [],
    storeRuns: null,
  };
}

describe('runMetricCharts', () => {
  // Newest first, as loadRunHistory returns them; r2 has no measurements and is left out.
  const runs = [
    run('r3', '2026-11-24T12:00:00Z', { P95_MS: '250', ERROR_RATE: '0.02' }),
    run('r2', '2026-11-24T11:00:00Z', {}),
    run('r1', '2026-11-24T10:00:00Z', { P95_MS: '16.93', ERROR_RATE: '0' }),
  ];
  const [p95, errors] = runMetricCharts(runs, [
    { output: 'P95_MS', title: 'p95', format: (v) => `${v} ms`, limit: 200 },
    { output: 'ERROR_RATE', title: 'errors', format: (v) => `${v * 100} %`, limit: 0.01 },
  ]);

  it('draws the measured runs oldest first, each value in text, the ones over the limit marked in words', () => {
    expect(p95!.bars.map((b) => [b.label, b.valueLabel, b.bad, b.note])).toEqual([
      ['11-24 10:00', '16.93 ms', false, ''],
      ['11-24 12:00', '250 ms', true, 'over the limit'],
    ]);
    expect(errors!.bars.map((b) => b.bad)).toEqual([false, true]);
  });

  it('scales to a round number over the largest value or limit and places the limit line on it', () => {
    expect(p95!.max).toBe(500);
    expect(p95!.bars[1]!.fraction).toBeCloseTo(0.5);
    expect(p95!.limit).toMatchObject({ value: 200, fraction: 0.4 });
  });

  it('says what the chart shows in one sentence', () => {
    expect(p95!.summary).toBe('p95 of the last 2 runs, oldest first: from 16.93 ms to 250 ms; latest 250 ms; 1 at or over the limit of 200 ms.');
  });

  it('draws nothing when no run has the outputs', () => {
    expect(runMetricCharts([run('r0', '2026-11-24T10:00:00Z', {})], [{ output: 'P95_MS', title: 'p95', format: String }])).toEqual([]);
  });
});

describe('canaryChart', () => {
  it('shows the stages reached with their analysis and the planned ones not reached', () => {
    const chart = canaryChart(
      run(
        'c1',
        '2026-12-02T04:41:26Z',
        { STAGES: '10:Successful,50:Failed', STAGE_10_ERROR_RATE: '0', STAGE_50_ERROR_RATE: '0.2', STAGE_10_P95_LATENCY: '0.0049', STAGE_50_P95_LATENCY: '0.0067', ANALYSIS_LIMITS: 'error-rate<0.05,p95-latency<0.5', CANARY_RESULT: 'rolled-back' },
        { STAGES: '10,50,100' },
      ),
    )!;
    expect(chart.stages.map((s) => [s.weight, s.phase, s.passed])).toEqual([
      [10, 'Successful', true],
      [50, 'Failed', false],
      [100, 'not reached', false],
    ]);
    expect(chart.summary).toBe('Canary run c1: 10 % Successful, 50 % Failed, 100 % not reached; result: rolled back.');
    const [errorRate, p95] = chart.charts;
    expect(errorRate!.title).toBe('Canary error rate by stage');
    expect(errorRate!.bars.map((b) => [b.label, b.valueLabel, b.bad])).toEqual([
      ['10 %', '0 %', false],
      ['50 %', '20 %', true],
      ['100 %', 'not reached', false],
    ]);
    expect(errorRate!.limit?.label).toBe('limit 5 %');
    // The stage failed on its error rate; its p95 latency was under the limit and is not marked.
    expect(p95!.bars.map((b) => [b.valueLabel, b.bad])).toEqual([
      ['4.9 ms', false],
      ['6.7 ms', false],
      ['not reached', false],
    ]);
  });

  it('draws no limit for a run that did not record ANALYSIS_LIMITS, and nothing for a run without STAGES', () => {
    const chart = canaryChart(run('c0', '2026-12-02T04:41:26Z', { STAGES: '10:Failed', STAGE_10_ERROR_RATE: '0.2' }))!;
    expect(chart.charts[0]!.limit).toBeNull();
    expect(chart.charts[0]!.bars[0]!.note).toBe('Failed');
    expect(canaryChart(run('x', '2026-12-02T04:41:26Z', {}))).toBeNull();
  });
});

describe('helpers', () => {
  it('parses limits and rounds scales', () => {
    expect(parseLimits('error-rate<0.05,p95-latency<=0.5,bad>1')).toEqual({ ERROR_RATE: 0.05, P95_LATENCY: 0.5 });
    expect([niceMax(0), niceMax(0.011), niceMax(18.6), niceMax(220)]).toEqual([1, 0.02, 20, 250]);
  });
});
