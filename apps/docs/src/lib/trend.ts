import { formatDuration } from '@readybook/schema';
import { count, formatTime, statusWords } from './humanize.js';
import { runTime, type RunSummary } from './runs.js';

export interface TrendBar {
  runId: string;
  passed: boolean;
  /** The run's status as written in its report, e.g. `passed`, `rolled-back`. */
  status: string;
  /** The status in words, printed next to the bar so the chart does not rely on colour: `passed`, `rolled back`. */
  statusLabel: string;
  /** When the run ended (ISO) and as printed: `2026-11-24 11:45 UTC`. */
  when: string;
  whenLabel: string;
  /** The duration, printed at the bar's end: `3.9s`. */
  durationLabel: string;
  durationMs: number;
  /** The bar's length as a percentage of the longest run shown (at least 1, so a ~0 ms run still shows). */
  percent: number;
}

export interface Trend {
  /** Newest first. */
  bars: TrendBar[];
  /** The longest duration shown, which is the full bar length. */
  maxMs: number;
  /** One sentence for screen readers and the caption. */
  summary: string;
}

export interface TrendOptions {
  /** How many runs at most, the newest. */
  limit?: number;
}

/**
 * The bars of a duration chart for a runbook's runs (newest first, as loadRunHistory gives them): the last
 * `limit` finished runs, newest first, each labelled in text with its date, run id, status and duration, its
 * length proportional to the duration.
 */
export function durationTrend(runs: readonly RunSummary[], options: TrendOptions = {}): Trend {
  const { limit = 10 } = options;
  const finished = runs.filter((run): run is RunSummary & { durationMs: number } => run.durationMs !== null).slice(0, limit);
  const maxMs = Math.max(0, ...finished.map((run) => run.durationMs));
  const bars = finished.map(
    (run): TrendBar => ({
      runId: run.runId,
      passed: run.status === 'passed',
      status: run.status,
      statusLabel: statusWords(run.status),
      when: runTime(run),
      whenLabel: formatTime(runTime(run)),
      durationLabel: formatDuration(run.durationMs),
      durationMs: run.durationMs,
      percent: maxMs === 0 ? 1 : Math.max(1, Math.round((run.durationMs / maxMs) * 100)),
    }),
  );
  const byStatus = new Map<string, number>();
  for (const bar of bars) byStatus.set(bar.statusLabel, (byStatus.get(bar.statusLabel) ?? 0) + 1);
  const tally = [...byStatus].map(([label, n]) => `${n} ${label}`).join(', ');
  const summary =
    bars.length === 0
      ? 'No finished runs to chart.'
      : `Durations of the last ${count(bars.length, 'finished run')}, newest first: ${tally}; ` +
        `from ${formatDuration(Math.min(...bars.map((b) => b.durationMs)))} to ${formatDuration(maxMs)}.`;
  return { bars, maxMs, summary };
}
