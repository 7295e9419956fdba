import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { firstIssue, reportSchema, runEndEventSchema, runStartEventSchema, type RunReport, type RunStatus } from '@readybook/schema';
import { JOURNAL_FILE } from './journal.js';
import { isRunId } from './runid.js';

/**
 * The one reader of run records on disk, for the checklist evaluator, `evidence add` and the docs
 * site: local runs (`<home>/runs/<run-id>/report.json`, or the journal of a run without one) and
 * committed evidence (`<evidenceDir>/runs/<runbook-id>/<run-id>.json`), each checked against the
 * schemas of @readybook/schema. Verification (chain, seal, signature) is trust/verify.ts's.
 */

export const REPORT_FILE = 'report.json';

/** A run as read: from its report, or from its journal when it has none (killed, or still running). */
export interface RunRead {
  runId: string;
  runbookId: string;
  /** How it ended, or `unfinished` for a journal without `run.end`. */
  status: RunStatus | 'unfinished';
  startedAt: string;
  /** When it ended; undefined when it never did. */
  endedAt?: string;
  outputs: Record<string, string>;
  /** The whole report, when there is one. */
  report?: RunReport;
  /** The file read: the run folder (home) or the evidence file. */
  file: string;
}

/** A committed evidence file that is not counted: not a report at all, or a report filed under another runbook. */
export interface EvidenceProblem {
  file: string;
  kind: 'not-a-report' | 'misfiled';
  problem: string;
}

/** A report, or why the value is not one. */
export function parseReport(value: unknown): { report: RunReport } | { problem: string } {
  const parsed = reportSchema.safeParse(value);
  return parsed.success ? { report: parsed.data } : { problem: `not a run report (${firstIssue(parsed.error)})` };
}

function fromReport(report: RunReport, file: string): RunRead {
  return {
    runId: report.runId,
    runbookId: report.runbook.id,
    status: report.status,
    startedAt: report.startedAt,
    ...(report.endedAt ? { endedAt: report.endedAt } : {}),
    outputs: report.outputs,
    report,
    file,
  };
}

/** A run without report.json: `run.start` names it, `run.end` (if any) settles it. A torn last line is skipped. */
export function summaryFromJournal(text: string, file: string): RunRead | undefined {
  let run: RunRead | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      continue;
    }
    const start = runStartEventSchema.safeParse(event);
    if (start.success) {
      run = { runId: start.data.runId, runbookId: start.data.runbook.id, status: 'unfinished', startedAt: start.data.time, outputs: {}, file };
      continue;
    }
    const end = runEndEventSchema.safeParse(event);
    if (end.success && run) {
      run.status = end.data.status;
      run.endedAt = end.data.time;
      run.outputs = end.data.outputs;
    }
  }
  return run;
}

/** Runs in `<home>/runs`, by directory name order (oldest first); unreadable ones are named in `warnings`. */
export async function readHomeRuns(home: string, options: { runbooks?: ReadonlySet<string> } = {}): Promise<{ runs: RunRead[]; warnings: string[] }> {
  const runs: RunRead[] = [];
  const warnings: string[] = [];
  const root = join(home, 'runs');
  for (const runId of await listDir(root)) {
    if (!isRunId(runId)) continue;
    const named = runbookOfRunId(runId);
    if (options.runbooks && named && !options.runbooks.has(named)) continue;
    const dir = join(root, runId);
    const text = await readText(join(dir, REPORT_FILE));
    let run: RunRead | undefined;
    if (text !== undefined) {
      const parsed = parseJson(text);
      const result = parsed.ok ? parseReport(parsed.value) : { problem: 'not valid JSON' };
      if ('problem' in result) {
        warnings.push(`${join(dir, REPORT_FILE)}: ${result.problem}`);
        continue;
      }
      run = fromReport(result.report, dir);
    } else {
      const journal = await readText(join(dir, JOURNAL_FILE));
      run = journal === undefined ? undefined : summaryFromJournal(journal, dir);
    }
    if (!run || (options.runbooks && !options.runbooks.has(run.runbookId))) continue;
    runs.push(run);
  }
  return { runs, warnings };
}

/**
 * Committed evidence in `<evidenceDir>/runs/<runbook-id>/<run-id>.json`. A file that is not a report,
 * or is filed under another runbook, is a problem: committed evidence is never silently skipped.
 */
export async function readEvidenceRuns(evidenceDir: string, options: { runbooks?: ReadonlySet<string> } = {}): Promise<{ runs: RunRead[]; problems: EvidenceProblem[] }> {
  const runs: RunRead[] = [];
  const problems: EvidenceProblem[] = [];
  const root = join(evidenceDir, 'runs');
  for (const runbookId of await listDir(root)) {
    if (options.runbooks && !options.runbooks.has(runbookId)) continue;
    for (const name of await listDir(join(root, runbookId))) {
      if (!name.endsWith('.json')) continue;
      const path = join(root, runbookId, name);
      const parsed = parseJson((await readText(path)) ?? '');
      const result = parsed.ok ? parseReport(parsed.value) : { problem: 'not valid JSON' };
      if ('problem' in result) {
        problems.push({ file: path, kind: 'not-a-report', problem: result.problem });
        continue;
      }
      if (result.report.runbook.id !== runbookId) {
        problems.push({ file: path, kind: 'misfiled', problem: `a report of runbook ${result.report.runbook.id}, filed under ${runbookId}/` });
        continue;
      }
      runs.push(fromReport(result.report, path));
    }
  }
  return { runs, problems };
}

/** A run id names its runbook: `<time>-<runbook-id>-<hex>`. */
export function runbookOfRunId(runId: string): string | undefined {
  return /^\d{8}T\d{6}Z-(.+)-[0-9a-f]+$/.exec(runId)?.[1];
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}
