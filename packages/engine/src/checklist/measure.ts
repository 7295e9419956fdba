/**
 * How a `measure` item compares an output: with a fixed threshold, or with the median of earlier runs (a trend, ADR 0010).
 */
import type { Baseline, Comparator } from '@readybook/schema';
import type { RunRecord } from './evidence.js';
import type { ChecklistItem, TrendBaseline } from './types.js';

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

type MeasureCheck = Extract<ChecklistItem['check'], { kind: 'measure' }>;

/** `14400`, or `median of 5 earlier passing runs + 10%`. */
export function limitText(check: MeasureCheck): string {
  if (!check.baseline) return String(check.threshold);
  const { runs, percent } = check.baseline;
  return `median of ${plural(runs, 'earlier passing run')}${percent === 0 ? '' : ` ${percent > 0 ? '+' : '-'} ${Math.abs(percent)}%`}`;
}

/**
 * The limit of a trend measure: the median of the output over the `runs` passing runs of the same
 * runbook (same steps, verified) that ended before `latest`, moved by `percent`. Fewer runs than asked
 * for is inconclusive, never a pass: a trend needs a history to compare with.
 */
export function baselineOf(output: string, baseline: Baseline, latest: RunRecord, candidates: readonly RunRecord[]): TrendBaseline | { inconclusive: string } {
  const earlier = candidates
    .filter((r) => r.status === 'passed' && r.runId !== latest.runId && r.time < latest.time)
    .filter((r) => r.outputs[output] !== undefined && r.outputs[output]!.trim() !== '' && Number.isFinite(Number(r.outputs[output])))
    .slice(0, baseline.runs);
  if (earlier.length < baseline.runs) {
    return {
      inconclusive: `inconclusive: ${earlier.length === 0 ? 'no' : `only ${earlier.length}`} earlier passing ${earlier.length === 1 ? 'run' : 'runs'} of ${latest.runbookId} with ${output} (of the same steps, verified); the trend compares with the median of ${baseline.runs}: run \`readybook run ${latest.runbookId}\` until it has them`,
    };
  }
  const values = earlier.map((r) => Number(r.outputs[output])).sort((a, b) => a - b);
  const middle = Math.floor(values.length / 2);
  const median = values.length % 2 === 1 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2;
  return { median, limit: median * (1 + baseline.percent / 100), percent: baseline.percent, runs: earlier.map((r) => r.runId) };
}

export const round = (n: number) => String(Number(n.toPrecision(4)));
export const signedPercent = (p: number) => `${p >= 0 ? '+' : '−'}${Math.abs(p).toFixed(1)}%`;

export function compare(value: number, op: Comparator, threshold: number): boolean {
  switch (op) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}
