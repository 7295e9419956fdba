import { formatDuration } from '@readybook/schema';
import type { RunSummary } from './runs.js';

export interface TrendBar {
  runId: string;
  passed: boolean;
  /** The run's status as written in its report, e.g. `passed`, `rolled-back`. */
  status: string;
  /** `pass` or `fail`: printed under the bar, so the chart does not rely on colour. */
  statusLabel: 'pass' | 'fail';
  /** The duration, printed above the bar: `3.9s`. */
  durationLabel: string;
  durationMs: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Trend {
  width: number;
  height: number;
  /** Where bars stand; status labels go below it. */
  baseline: number;
  bars: TrendBar[];
  /** The longest duration shown, which is the full bar height. */
  maxMs: number;
  /** One sentence for screen readers and the caption. */
  summary: string;
}

export interface TrendOptions {
  /** How many runs at most, the newest. */
  limit?: number;
  width?: number;
  height?: number;
}

const TOP = 16; // room for the duration label above the tallest bar
const BOTTOM = 18; // room for the status label under the baseline
const GAP = 6;
const MIN_BAR = 2; // a run of ~0 ms still shows as a bar

/**
 * The bars of a duration trend chart for a runbook's runs (newest first, as loadRunHistory gives them):
 * the last `limit` finished runs, oldest on the left, heights proportional to duration.
 */
export function durationTrend(runs: readonly RunSummary[], options: TrendOptions = {}): Trend {
  const { limit = 10, width = 480, height = 140 } = options;
  const finished = runs.filter((run): run is RunSummary & { durationMs: number } => run.durationMs !== null).slice(0, limit).reverse();
  const baseline = height - BOTTOM;
  const plot = baseline - TOP;
  const maxMs = Math.max(0, ...finished.map((run) => run.durationMs));
  const slot = finished.length === 0 ? 0 : width / finished.length;
  const barWidth = Math.max(4, Math.min(48, slot - GAP));
  const bars = finished.map((run, index): TrendBar => {
    const barHeight = maxMs === 0 ? MIN_BAR : Math.max(MIN_BAR, Math.round((run.durationMs / maxMs) * plot));
    const passed = run.status === 'passed';
    return {
      runId: run.runId,
      passed,
      status: run.status,
      statusLabel: passed ? 'pass' : 'fail',
      durationLabel: formatDuration(run.durationMs),
      durationMs: run.durationMs,
      x: Math.round(index * slot + (slot - barWidth) / 2),
      y: baseline - barHeight,
      width: Math.round(barWidth),
      height: barHeight,
    };
  });
  const failed = bars.filter((bar) => !bar.passed).length;
  const summary =
    bars.length === 0
      ? 'No finished runs to chart.'
      : `Durations of the last ${bars.length} finished run(s), oldest first: ${bars.length - failed} passed, ${failed} did not; ` +
        `from ${formatDuration(Math.min(...bars.map((b) => b.durationMs)))} to ${formatDuration(maxMs)}.`;
  return { width, height, baseline, bars, maxMs, summary };
}
