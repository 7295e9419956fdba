import { formatTime } from './humanize.js';
import { runTime, type RunSummary } from './runs.js';

/** One bar of a metric chart: a run (load test) or a stage (canary), with its value in text. */
export interface MetricBar {
  /** Short label under the bar: `11-24 11:45` or `10 %`. */
  label: string;
  /** The long label for the table and the bar's own title: `2026-11-24 11:45 UTC, run 2026…`. */
  longLabel: string;
  /** null: not measured (the stage was not reached, or the run has no such output). */
  value: number | null;
  valueLabel: string;
  /** The bar's height as a fraction of the chart's scale, 0–1 (0 for no value). */
  fraction: number;
  /** At or over the limit. */
  bad: boolean;
  /** Measured against a limit (so it is either bad or good); without a limit the bar is drawn neutral. */
  judged: boolean;
  /** A word printed with the bar so the chart does not rely on colour: `over`, `Failed`, `not reached`. */
  note: string;
}

export interface MetricChart {
  /** e.g. `p95 latency (ms)`. */
  title: string;
  bars: MetricBar[];
  /** The scale's top value and its label. */
  max: number;
  maxLabel: string;
  /** A dashed line across the chart, when the metric has a limit. */
  limit: { value: number; fraction: number; label: string } | null;
  /** One or two sentences for screen readers (the SVG's <desc>) and the caption. */
  summary: string;
}

export interface MetricSpec {
  /** The output read from each run, e.g. `P95_MS`. */
  output: string;
  title: string;
  /** Formats a value for labels: `16.9 ms`, `1.3 %`. */
  format: (value: number) => string;
  /** A value at or over it is bad (a checklist's threshold), drawn as a line. */
  limit?: number;
  limitLabel?: string;
}

const number = (text: string | undefined): number | null => {
  if (text === undefined || text.trim() === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
};

/** A scale top a little over the biggest value (or the limit), rounded to 1, 2 or 5 × 10ⁿ. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function chart(title: string, bars: Omit<MetricBar, 'fraction'>[], spec: Pick<MetricSpec, 'format' | 'limit' | 'limitLabel'>, summary: string): MetricChart {
  const values = bars.flatMap((b) => (b.value === null ? [] : [b.value]));
  const max = niceMax(Math.max(0, ...values, spec.limit ?? 0) * 1.1);
  return {
    title,
    bars: bars.map((b) => ({ ...b, fraction: b.value === null ? 0 : Math.min(1, Math.max(0, b.value / max)) })),
    max,
    maxLabel: spec.format(max),
    limit: spec.limit === undefined ? null : { value: spec.limit, fraction: spec.limit / max, label: spec.limitLabel ?? `limit ${spec.format(spec.limit)}` },
    summary,
  };
}

/**
 * One chart per metric over a runbook's last runs that have it (oldest left, newest right), e.g. a load
 * test's p95 latency and error rate. Runs come newest first, as loadRunHistory gives them. Empty when no
 * run has any of the outputs.
 */
export function runMetricCharts(runs: readonly RunSummary[], specs: readonly MetricSpec[], limit = 10): MetricChart[] {
  const measured = runs.filter((run) => specs.some((s) => number(run.outputs[s.output]) !== null)).slice(0, limit).reverse();
  if (measured.length === 0) return [];
  return specs.map((spec) => {
    const bars = measured.map((run) => {
      const value = number(run.outputs[spec.output]);
      const bad = value !== null && spec.limit !== undefined && value >= spec.limit;
      const when = formatTime(runTime(run));
      return {
        label: when.slice(5, 16),
        longLabel: `${when}, run ${run.runId} (${run.status})`,
        value,
        valueLabel: value === null ? 'not measured' : spec.format(value),
        bad,
        judged: value !== null && spec.limit !== undefined,
        note: value === null ? 'no value' : bad ? 'over the limit' : '',
      };
    });
    const values = bars.flatMap((b) => (b.value === null ? [] : [b.value]));
    const latest = bars.at(-1);
    const over = bars.filter((b) => b.bad).length;
    const summary =
      `${spec.title} of the last ${measured.length === 1 ? 'run' : `${measured.length} runs`}, oldest first` +
      (values.length > 1 ? `: from ${spec.format(Math.min(...values))} to ${spec.format(Math.max(...values))}; latest ${latest?.valueLabel}` : '') +
      (values.length === 1 ? `: ${spec.format(values[0]!)}` : '') +
      (spec.limit !== undefined ? `; ${over === 0 ? 'none' : over} at or over the limit of ${spec.format(spec.limit)}` : '') +
      '.';
    return chart(spec.title, bars, spec, summary);
  });
}

export interface CanaryStage {
  /** The canary's share of traffic, in percent. */
  weight: number;
  /** The analysis result: `Successful`, `Failed`, `Inconclusive`, `Error`, or `not reached`. */
  phase: string;
  reached: boolean;
  passed: boolean;
  /** The stage's last measured value of each metric: `ERROR_RATE` → 0.2. */
  metrics: Record<string, number | null>;
}

export interface CanaryChart {
  runId: string;
  stages: CanaryStage[];
  /** The canary's result, e.g. `rolled-back` or `promoted`. */
  result: string;
  /** Charts of each metric by stage (error rate, p95 latency), with the analysis limit when the run recorded it. */
  charts: MetricChart[];
  summary: string;
}

/** `error-rate<0.05,p95-latency<0.5` (the ANALYSIS_LIMITS output) → `ERROR_RATE` → 0.05. */
export function parseLimits(text: string | undefined): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const part of (text ?? '').split(',')) {
    const match = /^\s*([a-z0-9_-]+)\s*<=?\s*([0-9.eE+-]+)\s*$/i.exec(part);
    if (match && Number.isFinite(Number(match[2]))) limits[match[1]!.toUpperCase().replaceAll('-', '_')] = Number(match[2]);
  }
  return limits;
}

const METRIC_FORMATS: Record<string, { title: string; format: (v: number) => string }> = {
  ERROR_RATE: { title: 'Canary error rate by stage', format: (v) => `${round(v * 100)} %` },
  P95_LATENCY: { title: 'Canary p95 latency by stage', format: (v) => `${round(v * 1000)} ms` },
};

function round(value: number): string {
  return String(Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 10) / 10);
}

/**
 * The stages of a canary run from its outputs: `STAGES` (`10:Successful,50:Failed`), `STAGE_<percent>_<METRIC>`
 * and, when recorded, `ANALYSIS_LIMITS`; the stages planned (the `STAGES` param) but not reached are shown as
 * such. null when the run has no `STAGES` output.
 */
export function canaryChart(run: RunSummary): CanaryChart | null {
  const stagesOutput = run.outputs.STAGES;
  if (!stagesOutput) return null;
  const reached = new Map<number, string>();
  for (const part of stagesOutput.split(',')) {
    const [weight, phase] = part.split(':');
    if (weight && Number.isFinite(Number(weight))) reached.set(Number(weight), phase ?? 'unknown');
  }
  const planned = (run.params.STAGES ?? '')
    .split(',')
    .map(Number)
    .filter((w) => Number.isFinite(w) && w > 0);
  const weights = [...new Set([...reached.keys(), ...planned])].sort((a, b) => a - b);
  const metricNames = new Set<string>();
  for (const key of Object.keys(run.outputs)) {
    const match = /^STAGE_(\d+)_([A-Z0-9_]+)$/.exec(key);
    if (match) metricNames.add(match[2]!);
  }
  const stages = weights.map((weight): CanaryStage => {
    const phase = reached.get(weight);
    return {
      weight,
      phase: phase ?? 'not reached',
      reached: phase !== undefined,
      passed: phase === 'Successful',
      metrics: Object.fromEntries([...metricNames].map((name) => [name, number(run.outputs[`STAGE_${weight}_${name}`])])),
    };
  });
  const limits = parseLimits(run.outputs.ANALYSIS_LIMITS);
  const charts = [...metricNames].sort().map((name) => {
    const known = METRIC_FORMATS[name] ?? { title: `Canary ${name.toLowerCase().replaceAll('_', ' ')} by stage`, format: (v: number) => round(v) };
    const limit = limits[name];
    const bars = stages.map((stage) => {
      const value = stage.metrics[name] ?? null;
      return {
        label: `${stage.weight} %`,
        longLabel: `stage ${stage.weight} % of traffic: ${stage.phase}`,
        value,
        valueLabel: value === null ? (stage.reached ? 'not measured' : 'not reached') : known.format(value),
        // Which metric failed a stage is known only against its limit; without one the bar is not marked.
        bad: value !== null && limit !== undefined && value >= limit,
        judged: value !== null && limit !== undefined,
        note: stage.reached ? stage.phase : '',
      };
    });
    const measured = bars.filter((b) => b.value !== null);
    const summary =
      `${known.title}, run ${run.runId}: ` +
      (measured.length === 0 ? 'no stage measured' : measured.map((b) => `${b.label} ${b.valueLabel} (${b.note})`).join(', ')) +
      (limit !== undefined ? `; the analysis passes under ${known.format(limit)}` : '; the run did not record the analysis limits (ANALYSIS_LIMITS)') +
      '.';
    return chart(known.title, bars, { format: known.format, limit, limitLabel: limit === undefined ? undefined : `limit ${known.format(limit)}` }, summary);
  });
  const result = run.outputs.CANARY_RESULT ?? run.status;
  const summary =
    `Canary run ${run.runId}: ` +
    stages.map((s) => `${s.weight} % ${s.phase}`).join(', ') +
    `; result: ${result.replaceAll('-', ' ')}.`;
  return { runId: run.runId, stages, result, charts, summary };
}
