import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDuration, type RunReport } from '@readybook/schema';
import type { RunEvent, RunStartEvent } from './events.js';
import type { Runbook } from '../runbook/parse.js';
import { ReadybookError } from '../errors.js';

/** A run's report: its schema is @readybook/schema's reportSchema, the contract every reader checks. */
export type Report = RunReport;
export type StepReport = RunReport['steps'][number];

/** Builds a run's report from its journal events (already masked). */
export function buildReport(events: readonly RunEvent[], runbook?: Pick<Runbook, 'steps'>): Report {
  const start = events.find((e): e is RunStartEvent => e.type === 'run.start');
  if (!start) throw new ReadybookError('RB046', 'the journal has no run.start event: the run directory is damaged');
  const steps = new Map<number, StepReport>();
  for (const step of runbook?.steps ?? []) {
    steps.set(step.index, { index: step.index, title: step.title, status: 'not-run', attempts: 0, durationMs: 0, exitCode: null, phase: null, tail: '', log: null });
  }
  let rollback: Report['rollback'] = null;
  const resumes: Report['resumes'] = [];
  let end: Extract<RunEvent, { type: 'run.end' }> | undefined;
  for (const event of events) {
    if (event.type === 'step.end') {
      steps.set(event.step.index, {
        index: event.step.index,
        title: event.step.title,
        status: event.status,
        attempts: event.attempts,
        durationMs: event.durationMs,
        exitCode: event.exitCode,
        phase: event.phase,
        tail: event.tail,
        ...(event.error ? { error: event.error } : {}),
        log: `step-${String(event.step.index).padStart(2, '0')}-${event.phase === 'verify' ? 'verify' : 'run'}.log`,
      });
    } else if (event.type === 'rollback.start') {
      rollback = [];
    } else if (event.type === 'rollback.step.end') {
      rollback?.push({ index: event.step.index, title: event.step.title, status: event.status, exitCode: event.exitCode, durationMs: event.durationMs });
    } else if (event.type === 'run.resume') {
      resumes.push({ time: event.time, operator: event.operator, host: event.host, skipped: event.skip });
      end = undefined;
    } else if (event.type === 'run.end') {
      end = event;
    }
  }
  return {
    runId: start.runId,
    runbook: start.runbook,
    status: end?.status ?? 'interrupted',
    exitCode: end?.exitCode ?? null,
    startedAt: start.time,
    endedAt: end?.time ?? null,
    durationMs: end ? Date.parse(end.time) - Date.parse(start.time) : null,
    operator: start.operator,
    host: start.host,
    node: start.node,
    params: start.params,
    outputs: end?.outputs ?? {},
    steps: [...steps.values()].sort((a, b) => a.index - b.index),
    rollback,
    resumes,
    ...(end?.failedStep ? { failedStep: end.failedStep } : {}),
    ...(end?.error ? { error: end.error } : {}),
  };
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function renderReportMarkdown(report: Report): string {
  const lines = [
    `# Run ${report.runId}: ${report.runbook.title}`,
    '',
    `- **Status:** ${report.status} (exit ${report.exitCode ?? '—'})`,
    `- **Runbook:** \`${report.runbook.path}\` (sha256 \`${report.runbook.hash.slice(0, 12)}\`)`,
    `- **Started:** ${report.startedAt}${report.endedAt ? ` · **Ended:** ${report.endedAt}` : ''}`,
    `- **Duration:** ${report.durationMs === null ? '—' : formatDuration(report.durationMs)}`,
    `- **Operator:** ${report.operator} on ${report.host} (Node ${report.node})`,
  ];
  if (report.resumes.length > 0) lines.push(`- **Resumed:** ${report.resumes.map((r) => `${r.time} by ${r.operator}`).join(', ')}`);
  if (report.error) lines.push(`- **Failure:** ${cell(report.error)}`);
  lines.push('', '## Steps', '', '| # | Step | Status | Attempts | Duration | Exit |', '|---|---|---|---|---|---|');
  for (const step of report.steps) {
    lines.push(`| ${step.index} | ${cell(step.title)} | ${step.status} | ${step.attempts} | ${formatDuration(step.durationMs)} | ${step.exitCode ?? '—'} |`);
  }
  if (report.rollback) {
    lines.push('', '## Rollback', '', '| # | Step | Status | Exit | Duration |', '|---|---|---|---|---|');
    for (const r of report.rollback) lines.push(`| ${r.index} | ${cell(r.title)} | ${r.status} | ${r.exitCode ?? '—'} | ${formatDuration(r.durationMs)} |`);
  }
  const params = Object.entries(report.params);
  if (params.length > 0) {
    lines.push('', '## Params', '', '| Name | Value |', '|---|---|');
    for (const [name, value] of params) lines.push(`| ${name} | ${value === null ? '(unset)' : `\`${cell(value)}\``} |`);
  }
  const outputs = Object.entries(report.outputs);
  if (outputs.length > 0) {
    lines.push('', '## Outputs (evidence)', '', '| Name | Value |', '|---|---|');
    for (const [name, value] of outputs) lines.push(`| ${name} | \`${cell(value)}\` |`);
  }
  const failed = report.steps.find((s) => s.status === 'failed');
  if (failed?.tail) lines.push('', `## Output of the failed step (${failed.index}, last lines)`, '', '```text', failed.tail.trimEnd(), '```');
  return `${lines.join('\n')}\n`;
}

export function writeReports(dir: string, events: readonly RunEvent[], runbook?: Pick<Runbook, 'steps'>): Report {
  const report = buildReport(events, runbook);
  writeAtomic(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeAtomic(join(dir, 'report.md'), renderReportMarkdown(report));
  return report;
}

/** Write then rename, so a crash mid-write never leaves a torn report for `report` and `runs` to read. */
function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}
