import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { formatDuration } from '@readybook/schema';
import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import { ReadybookError } from '../errors.js';
import type { Report } from '../record/report.js';
import type { ChecklistEvaluation } from '../checklist/types.js';
import type { Builder } from 'junit-report-builder';
import { cleanLines } from '../cli/present/terminal-text.js';

/**
 * JUnit XML for CI test reporters (`--junit <file>`): a run's steps, a checklist's items or the
 * runbooks validated, one test case each. Built as plain data here, written as XML by
 * junit-report-builder (xmlbuilder underneath: escaping, and characters XML 1.0 cannot hold dropped).
 */

export interface JunitCase {
  name: string;
  classname: string;
  timeMs?: number;
  file?: string;
  /** A test that ran and did not pass: a message (one line), its kind, and the detail (e.g. output). */
  failure?: { message: string; type: string; detail?: string };
  /** The command could not do its work (an invalid runbook, an unwritable home, …). */
  error?: { message: string; type: string; detail?: string };
  skipped?: boolean;
  systemOut?: string;
}

export interface JunitSuite {
  name: string;
  timestamp?: string;
  timeMs?: number;
  properties?: Record<string, string>;
  cases: JunitCase[];
}

/** The resolved `--junit` file. */
export interface JunitTarget {
  path: string;
  /** As the user gave it. */
  given: string;
}

const unwritable = (given: string, why: string) => new ReadybookError('RB080', `cannot write the JUnit report ${given}: ${why}`);

/** Why a folder cannot take the file, in words rather than an errno. */
function reason(error: unknown, dir: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return `${dir} is not writable`;
  if (code === 'EROFS') return `${dir} is on a read-only file system`;
  if (code === 'ENOTDIR' || code === 'EEXIST') return `${dir} is not a folder (a file is in the way)`;
  if (code === 'ENOENT') return `${dir} cannot be created or written`;
  return (error as Error).message;
}

/**
 * Checks before anything runs that the report can be written: its folder exists (made if missing)
 * and a file can be created in it (a probe, so a read-only mount or /proc is caught too), and the
 * path is not a folder. A bad path is refused up front, not after a run.
 */
export function prepareJunit(cwd: string, given: string): JunitTarget {
  if (given.trim() === '') throw unwritable(JSON.stringify(given), 'the path is empty');
  const path = resolve(cwd, given);
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // Not there yet: its folder must take it.
  }
  if (isDir) throw unwritable(given, 'it is a folder');
  const dir = dirname(path);
  const shown = dirname(given) === '' ? '.' : dirname(given);
  try {
    makeFolders(dir);
  } catch (error) {
    throw unwritable(given, reason(error, shown));
  }
  const probe = tmpPath(path);
  try {
    closeSync(openSync(probe, 'w'));
  } catch (error) {
    throw unwritable(given, reason(error, shown));
  } finally {
    rmSync(probe, { force: true });
  }
  return { path, given };
}

/**
 * Makes the missing folders one by one, from the nearest existing one: `mkdirSync(…, { recursive })`
 * never returns for a folder under /proc (it retries ENOENT for ever).
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  let at = dir;
  while (!existsSync(at)) {
    missing.push(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (existsSync(at) && !statSync(at).isDirectory()) throw Object.assign(new Error(`${at} is not a folder`), { code: 'ENOTDIR' });
  for (const folder of missing.reverse()) mkdirSync(folder);
}

const tmpPath = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);

/** CDATA cannot hold `]]>`; xmlbuilder splits only the first one, so none reach it. */
const cdataSafe = (text: string) => text.replaceAll(']]>', ']] >');

export async function renderJunit(suites: readonly JunitSuite[], name: string): Promise<string> {
  // Its module.exports is the builder: `default` under Node's CommonJS interop (and esbuild's).
  const { default: root } = (await import('junit-report-builder')) as unknown as { default: Builder };
  const builder = root.newBuilder().name(name);
  for (const suite of suites) {
    const s = builder.testSuite().name(suite.name);
    if (suite.timestamp) s.timestamp(suite.timestamp);
    if (suite.timeMs !== undefined) s.time(suite.timeMs / 1000);
    for (const [key, value] of Object.entries(suite.properties ?? {})) s.property(key, value);
    for (const c of suite.cases) {
      const t = s.testCase().className(c.classname).name(c.name);
      if (c.timeMs !== undefined) t.time(c.timeMs / 1000);
      if (c.file) t.file(c.file);
      if (c.failure) {
        t.failure(c.failure.message, c.failure.type);
        if (c.failure.detail) t.stacktrace(cdataSafe(c.failure.detail));
      }
      if (c.error) t.error(c.error.message, c.error.type, c.error.detail ? cdataSafe(c.error.detail) : undefined);
      if (c.skipped) t.skipped();
      if (c.systemOut) t.standardOutput(cdataSafe(c.systemOut));
    }
  }
  return builder.build();
}

/** Writes the report whole (write, then rename), so a reader never sees half of it. */
export async function writeJunit(target: JunitTarget, suites: readonly JunitSuite[], name = 'readybook'): Promise<void> {
  const xml = await renderJunit(suites, name);
  const tmp = tmpPath(target.path);
  try {
    makeFolders(dirname(target.path));
    writeFileSync(tmp, xml.endsWith('\n') ? xml : `${xml}\n`);
    renameSync(tmp, target.path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw unwritable(target.given, reason(error, dirname(target.given) === '' ? '.' : dirname(target.given)));
  }
}

/** The last lines of a step's output, cleaned of terminal control sequences, as a failure's detail. */
export function lastLines(text: string, n = 40): string {
  return cleanLines(text).slice(-n).join('\n');
}

/** The step a stop signal interrupted. */
export const interruptedAt = (report: Report, index: number) => report.status === 'interrupted' && report.failedStep?.index === index;

/**
 * A run (or a resumed one) from its report, which is built from the masked journal: a case per
 * step (classname: the runbook id); a failure with the output's tail for the step that failed;
 * skipped for steps never reached; what its rollback did in system-out. A run that did not pass
 * with no step to blame (interrupted between steps, an engine error) gets one more failing case.
 */
export function runSuite(report: Report, mask: (text: string) => string = (t) => t): JunitSuite {
  const rollback = new Map((report.rollback ?? []).map((r) => [r.index, r]));
  const cases: JunitCase[] = report.steps.map((step) => {
    const notes: string[] = [];
    if (step.attempts > 1) notes.push(`${step.attempts} attempts`);
    if (step.exitCode !== null) notes.push(`exit ${step.exitCode}`);
    const rb = rollback.get(step.index);
    if (rb) notes.push(rb.status === 'skipped' ? 'rollback: nothing to undo (no rollback block)' : `rollback: ${rb.status === 'passed' ? 'rolled back' : 'ROLLBACK FAILED'}${rb.exitCode !== null ? ` (exit ${rb.exitCode})` : ''} in ${formatDuration(rb.durationMs)}`);
    const base: JunitCase = { name: mask(step.title), classname: report.runbook.id, timeMs: step.durationMs, file: report.runbook.path };
    if (step.status === 'failed') {
      const message = step.error ?? `step ${step.index} failed${step.exitCode !== null ? ` (exit ${step.exitCode})` : ''}`;
      return { ...base, failure: { message: mask(message), type: interruptedAt(report, step.index) ? 'interrupted' : (step.phase ?? 'run'), detail: mask(step.tail ? lastLines(step.tail) : message) }, ...(notes.length ? { systemOut: mask(notes.join('\n')) } : {}) };
    }
    if (step.status === 'passed') return { ...base, ...(notes.length ? { systemOut: mask(notes.join('\n')) } : {}) };
    const why = step.status === 'skipped' ? 'skipped by the run' : report.failedStep?.index === step.index ? `not started: ${report.error ?? report.status}` : `not reached: the run ended ${report.status}`;
    return { ...base, skipped: true, systemOut: mask([why, ...notes].join('\n')) };
  });
  const failedSteps = report.steps.some((s) => s.status === 'failed');
  if (report.status !== 'passed' && !failedSteps) {
    cases.push({ name: `run ${report.status}`, classname: report.runbook.id, failure: { message: mask(report.error ?? `the run ended ${report.status}`), type: report.status }, file: report.runbook.path });
  }
  if (report.status === 'rollback-failed') {
    const failed = (report.rollback ?? []).filter((r) => r.status === 'failed');
    cases.push({ name: 'rollback', classname: report.runbook.id, failure: { message: mask(`the rollback of step${failed.length === 1 ? '' : 's'} ${failed.map((r) => `${r.index} "${r.title}"`).join(', ')} failed: a human must look`), type: 'rollback-failed' } });
  }
  return {
    name: mask(report.runbook.title),
    timestamp: report.startedAt,
    ...(report.durationMs !== null ? { timeMs: report.durationMs } : {}),
    properties: { runId: report.runId, runbook: report.runbook.path, status: report.status, exitCode: String(report.exitCode ?? '') },
    cases,
  };
}

/** A checklist: a case per item (classname: the checklist id and section); required items that do not pass fail. */
export function checkSuite(evaluation: ChecklistEvaluation): JunitSuite {
  const { checklist } = evaluation;
  const cases: JunitCase[] = evaluation.sections.flatMap((section) =>
    section.items.map((item): JunitCase => {
      const passing = item.status === 'pass' || item.status === 'confirmed';
      const out = [`${item.status}: ${item.reason}`, `expected: ${item.expected}`, ...(item.actual !== null ? [`actual: ${item.actual}`] : []), ...(item.check ? [`check: ${item.check}`] : []), `${checklist.file}:${item.line}`];
      if (!item.required) out.unshift('advisory: reported, never blocks the gate');
      const base: JunitCase = { name: item.text, classname: `${checklist.id}.${section.title}`, timeMs: item.durationMs, file: checklist.file, systemOut: out.join('\n') };
      if (passing || !item.required) return base;
      return { ...base, failure: { message: `${item.status}: ${item.reason}`, type: item.status, detail: [`${checklist.file}:${item.line}: ${item.text}`, `expected: ${item.expected}`, ...(item.actual !== null ? [`actual: ${item.actual}`] : []), ...(item.output ? ['', item.output] : [])].join('\n') } };
    }),
  );
  return {
    name: `${checklist.title} (gate ${checklist.gate})`,
    timestamp: evaluation.evaluatedAt,
    timeMs: evaluation.durationMs,
    properties: { checklist: checklist.file, gate: checklist.gate, verdict: evaluation.verdict },
    cases,
  };
}

/** Runbooks validated: a case per file (and per other file with diagnostics, e.g. a rule file); errors fail it. */
export function validateSuite(files: readonly string[], diagnostics: readonly Diagnostic[]): JunitSuite {
  const byFile = new Map<string, Diagnostic[]>(files.map((f) => [f, []]));
  for (const d of diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  const cases = [...byFile].map(([file, ds]): JunitCase => {
    const errors = ds.filter((d) => d.severity === 'error');
    const warnings = ds.filter((d) => d.severity !== 'error');
    const base: JunitCase = { name: file, classname: 'readybook.validate', file, ...(warnings.length ? { systemOut: warnings.map((d) => formatDiagnostic(d)).join('\n') } : {}) };
    if (errors.length === 0) return base;
    const first = errors[0] as Diagnostic;
    return { ...base, failure: { message: `${errors.length} error${errors.length === 1 ? '' : 's'}; first: ${first.file}:${first.line}:${first.column} ${first.code} ${first.message}`, type: first.code, detail: errors.map((d) => formatDiagnostic(d)).join('\n') } };
  });
  return { name: 'readybook validate', cases };
}

/**
 * The command stopped before it had anything to report (an invalid runbook, a locked run, an
 * interrupted check): one case with the error, so a CI test report never goes missing.
 */
export function errorSuite(command: string, subject: string, error: { code: string; message: string; details?: readonly string[] }, kind: 'error' | 'failure' = 'error'): JunitSuite {
  const entry = { message: `${error.code}: ${error.message}`, type: error.code, detail: [error.message, ...(error.details ?? [])].join('\n') };
  return { name: `readybook ${command} ${subject}`, cases: [{ name: subject, classname: `readybook.${command}`, [kind]: entry }] };
}
