/**
 * A finished run's result in the Prometheus text exposition format (version 0.0.4), so the monitoring that
 * watches the service also watches the readiness: when a runbook last passed, how long it took, how it ended,
 * and the outputs its frontmatter marks as metrics (`metrics: [RTO_SECONDS, …]`). See decisions/0021.
 */
import type { RunStatus } from '../record/events.js';
import type { Report } from '../record/report.js';

/** Every status a run can end with; `readybook_run_status` has one series per status, 1 for the one it ended with. */
export const RUN_STATUSES: readonly RunStatus[] = ['passed', 'failed', 'rolled-back', 'rollback-failed', 'interrupted', 'internal-error'];

/** The metric an output is published as: `readybook_output_` + its name in lower case. */
export function outputMetricName(output: string): string {
  return `readybook_output_${output.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
}

/** A label value escaped as the text format wants it (backslash, double quote, line feed). */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function sampleValue(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(15)));
}

export interface RunMetrics {
  /** The whole exposition, for a Pushgateway PUT or a textfile. */
  text: string;
  /** The metric names it holds. */
  names: string[];
  /** Outputs listed in `metrics:` that were not published, with why (missing, or not a number). */
  skipped: Array<{ output: string; reason: string }>;
}

/**
 * The metrics of one finished run. `readybook_run_last_success_timestamp_seconds` is only in it when the run
 * passed (a failed run must not move it; push.ts keeps the previous value), and so are the outputs: `metricOutputs`
 * are the names from the runbook's `metrics:` field; only numeric values become samples.
 */
export function runMetrics(report: Report, metricOutputs: readonly string[] = []): RunMetrics {
  const runbook = escapeLabel(report.runbook.id);
  const lines: string[] = [];
  const names: string[] = [];
  const metric = (name: string, help: string, samples: Array<[labels: string, value: number]>) => {
    names.push(name);
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, value] of samples) lines.push(`${name}{${labels}} ${sampleValue(value)}`);
  };
  const endedAt = Date.parse(report.endedAt ?? report.startedAt) / 1000;
  if (report.status === 'passed') {
    metric('readybook_run_last_success_timestamp_seconds', 'When the runbook last passed (Unix time of the end of its run).', [[`runbook="${runbook}"`, endedAt]]);
  }
  metric('readybook_run_last_timestamp_seconds', 'When the runbook last ended, whatever the outcome (Unix time).', [[`runbook="${runbook}"`, endedAt]]);
  metric('readybook_run_duration_seconds', 'How long the runbook\'s last run took.', [[`runbook="${runbook}"`, (report.durationMs ?? 0) / 1000]]);
  const statuses = RUN_STATUSES.includes(report.status as RunStatus) ? RUN_STATUSES : [...RUN_STATUSES, report.status as RunStatus];
  metric(
    'readybook_run_status',
    'How the runbook\'s last run ended: 1 for its status, 0 for the others.',
    statuses.map((s) => [`runbook="${runbook}",status="${escapeLabel(s)}"`, s === report.status ? 1 : 0]),
  );
  const skipped: RunMetrics['skipped'] = [];
  // Outputs come from passing runs only: a failed run's half-measured RTO must not replace the last real one.
  for (const output of report.status === 'passed' ? metricOutputs : []) {
    const value = report.outputs[output];
    if (value === undefined) {
      skipped.push({ output, reason: 'the run did not set it' });
      continue;
    }
    if (!NUMBER.test(value.trim())) {
      skipped.push({ output, reason: `its value ${JSON.stringify(value.slice(0, 40))} is not a number` });
      continue;
    }
    metric(outputMetricName(output), `The output ${output} of the runbook's last passing run.`, [[`runbook="${runbook}"`, Number(value.trim())]]);
  }
  return { text: `${lines.join('\n')}\n`, names, skipped };
}
