import { formatDuration } from '@readybook/schema';
import type { Diagnostic } from '../diagnostics.js';
import { ReadybookError } from '../errors.js';
import type { ChecklistEvaluation } from '../checklist/types.js';
import { renderReportMarkdown, type Report } from '../record/report.js';
import type { Runbook } from '../runbook/parse.js';
import { annotation, annotationStream, appendStepSummary, diagnosticAnnotation, inGitHubActions, workspacePath } from './github.js';
import { checkSuite, errorSuite, interruptedAt, lastLines, prepareJunit, runSuite, validateSuite, writeJunit, type JunitTarget } from './junit.js';

/**
 * What `run`, `resume`, `check` and `validate` leave for CI besides their exit code: the
 * `--junit` file, and under GitHub Actions the job summary and annotations. Everything here is
 * built from records that are already masked, and masked again with the run's secrets.
 */

export interface CiContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  json: boolean;
  junit?: JunitTarget;
}

/** The `--junit` option, checked before the command does anything. */
export function junitOption(args: Record<string, unknown>, cwd: string): JunitTarget | undefined {
  const value = args.junit;
  if (value === undefined || value === false) return undefined;
  if (value === true || typeof value !== 'string') throw new ReadybookError('RB060', 'option --junit needs a file path', { hint: 'For example `--junit reports/readybook.xml`.' });
  return prepareJunit(cwd, value);
}

/**
 * GitHub shows only the first few annotations of a step (10 errors, 10 warnings; 50 per job): past
 * ANNOTATED, one notice says how many more there are and where to read them all.
 */
export const ANNOTATED = 50;

function annotateDiagnostics(out: NodeJS.WritableStream, diagnostics: readonly Diagnostic[], cwd: string, env: NodeJS.ProcessEnv, everyOne: string): void {
  for (const d of diagnostics.slice(0, ANNOTATED)) out.write(diagnosticAnnotation(d, cwd, env));
  if (diagnostics.length > ANNOTATED) out.write(annotation('notice', `${(diagnostics.length - ANNOTATED).toLocaleString('en-US')} more diagnostics not annotated (${diagnostics.length.toLocaleString('en-US')} in all); ${everyOne} lists every one`, { title: 'Readybook' }));
}

function summaryProblem(ci: CiContext, problem: string | undefined): void {
  if (!problem) return;
  // A summary that cannot be written is said, and never changes the result of what ran.
  process.stderr.write(`warning: ${problem}\n`);
  annotationStream(ci.json).write(annotation('warning', problem, { title: 'Readybook job summary' }));
}

/** A run ended (passed, failed, rolled back, interrupted): its JUnit file, summary and annotations. */
export async function runReports(ci: CiContext, report: Report, runbook: Pick<Runbook, 'steps'>, mask: (text: string) => string): Promise<void> {
  if (inGitHubActions(ci.env)) {
    summaryProblem(ci, appendStepSummary(ci.env, mask(renderReportMarkdown(report))));
    const out = annotationStream(ci.json);
    const file = workspacePath(report.runbook.location, ci.cwd, ci.env);
    for (const step of report.steps.filter((s) => s.status === 'failed')) {
      const tail = lastLines(step.tail, 10);
      const line = runbook.steps.find((s) => s.index === step.index)?.line;
      out.write(annotation('error', mask([step.error ?? 'step failed', tail].filter(Boolean).join('\n')), { title: mask(`Step ${step.index} "${step.title}" ${interruptedAt(report, step.index) ? 'interrupted' : 'failed'}`), file, ...(line ? { line } : {}) }));
    }
    for (const r of (report.rollback ?? []).filter((r) => r.status === 'failed')) {
      const line = runbook.steps.find((s) => s.index === r.index)?.line;
      out.write(annotation('error', mask(`the rollback block of step ${r.index} failed${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}: a human must look`), { title: mask(`Rollback of step ${r.index} "${r.title}" failed`), file, ...(line ? { line } : {}) }));
    }
    if (report.status === 'interrupted' || report.status === 'internal-error') {
      out.write(annotation('error', mask(`run ${report.runId} ${report.status}${report.error ? `: ${report.error}` : ''}`), { title: `Readybook run ${report.status}` }));
    }
  }
  if (ci.junit) await writeJunit(ci.junit, [runSuite(report, mask)]);
}

/** Markdown for the job summary: the verdict, the items that block it, every item. */
export function renderEvaluationMarkdown(evaluation: ChecklistEvaluation): string {
  const { checklist } = evaluation;
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const { requiredCompletion: req, completion: every } = evaluation;
  const lines = [
    `# ${evaluation.verdict === 'GO' ? '✅ GO' : '❌ NO-GO'}: ${cell(checklist.title)}`,
    '',
    `- **Gate:** ${cell(checklist.gate)} (owner: ${cell(checklist.owner)})`,
    `- **Checklist:** \`${checklist.file}\``,
    `- **Required items passing:** ${req.passing}/${req.total} (${every.passing}/${every.total} items in all)`,
    `- **Evaluated:** ${evaluation.evaluatedAt}${evaluation.verdict === 'GO' ? ` · **valid until** ${evaluation.expiresAt}` : ''} in ${formatDuration(evaluation.durationMs)}`,
  ];
  if (evaluation.blocking.length > 0) {
    lines.push('', '## Blocking', '', '| Section | Item | Status | Why |', '|---|---|---|---|');
    for (const b of evaluation.blocking) lines.push(`| ${cell(b.section)} | ${cell(b.text)} (line ${b.line}) | ${b.status} | ${cell(b.reason)} |`);
  }
  lines.push('', '## Items', '', '| Section | Item | Status | Actual | Expected |', '|---|---|---|---|---|');
  for (const section of evaluation.sections) {
    for (const item of section.items) lines.push(`| ${cell(section.title)} | ${cell(item.text)}${item.required ? '' : ' (advisory)'} | ${item.status} | ${cell(item.actual ?? '—')} | ${cell(item.expected)} |`);
  }
  for (const warning of evaluation.warnings) lines.push('', `> warning: ${cell(warning)}`);
  return `${lines.join('\n')}\n`;
}

/** A checklist evaluated: JUnit, summary, and an annotation per diagnostic and per blocking item. */
export async function checkReports(ci: CiContext, evaluation: ChecklistEvaluation, diagnostics: readonly Diagnostic[], root: string): Promise<void> {
  if (inGitHubActions(ci.env)) {
    summaryProblem(ci, appendStepSummary(ci.env, renderEvaluationMarkdown(evaluation)));
    const out = annotationStream(ci.json);
    annotateDiagnostics(out, diagnostics, ci.cwd, ci.env, '`readybook check --json`');
    const file = workspacePath(evaluation.checklist.file, root, ci.env);
    for (const b of evaluation.blocking) {
      out.write(annotation('error', `${b.section} › ${b.text}: ${b.reason}`, { file, line: b.line, title: `NO-GO ${evaluation.checklist.gate}: ${b.status}` }));
    }
  }
  if (ci.junit) await writeJunit(ci.junit, [checkSuite(evaluation)]);
}

/** Diagnostics listed in a job summary at most (GitHub caps a step's summary at 1 MiB); `--json` has them all. */
export const SUMMARY_DIAGNOSTICS = 200;

/** Markdown for the job summary of `validate`: the count, a row per runbook, then every diagnostic with file:line. */
export function renderValidateMarkdown(files: readonly string[], diagnostics: readonly Diagnostic[]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const errorsIn = (file: string) => diagnostics.filter((d) => d.file === file && d.severity === 'error').length;
  const warningsIn = (file: string) => diagnostics.filter((d) => d.file === file && d.severity !== 'error').length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const invalid = files.filter((f) => errorsIn(f) > 0).length;
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const lines = [
    `# ${invalid === 0 ? '✅' : '❌'} ${files.length - invalid}/${plural(files.length, 'runbook')} valid${errors ? `, ${plural(errors, 'error')}` : ''}`,
    '',
    '| Runbook | Result |',
    '|---|---|',
    ...files.map((f) => {
      const e = errorsIn(f);
      const w = warningsIn(f);
      return `| \`${cell(f)}\` | ${e ? `❌ ${plural(e, 'error')}` : '✅ valid'}${w ? ` (${plural(w, 'warning')})` : ''} |`;
    }),
  ];
  if (diagnostics.length > 0) {
    lines.push('', '## Diagnostics', '', '| Where | Severity | Code | Message | Hint |', '|---|---|---|---|---|');
    for (const d of diagnostics.slice(0, SUMMARY_DIAGNOSTICS)) lines.push(`| \`${cell(`${d.file}:${d.line}:${d.column}`)}\` | ${d.severity} | ${d.code} | ${cell(d.message)} | ${cell(d.hint ?? '')} |`);
    if (diagnostics.length > SUMMARY_DIAGNOSTICS) lines.push('', `> ${(diagnostics.length - SUMMARY_DIAGNOSTICS).toLocaleString('en-US')} more diagnostics not listed; \`readybook validate --json\` lists every one`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runbooks validated: a case per file, the job summary, an annotation per diagnostic. */
export async function validateReports(ci: CiContext, files: readonly string[], diagnostics: readonly Diagnostic[]): Promise<void> {
  if (inGitHubActions(ci.env)) {
    summaryProblem(ci, appendStepSummary(ci.env, renderValidateMarkdown(files, diagnostics)));
    annotateDiagnostics(annotationStream(ci.json), diagnostics, ci.cwd, ci.env, '`readybook validate --json`');
  }
  if (ci.junit) await writeJunit(ci.junit, [validateSuite(files, diagnostics)]);
}

/**
 * Under GitHub Actions, an error that stops any command is an annotation: at each of its
 * diagnostics' file:line when it has some, else one `::error title=CODE::message`.
 */
export function errorAnnotations(error: ReadybookError, cwd: string, env: NodeJS.ProcessEnv, json: boolean): void {
  if (!inGitHubActions(env)) return;
  const out = annotationStream(json);
  if (error.diagnostics.length > 0) annotateDiagnostics(out, error.diagnostics, cwd, env, '`readybook validate --json`');
  else out.write(annotation('error', `${error.message}\n${error.hint}`, { title: error.code }));
}

/**
 * The command stopped with an error before it had a report (an invalid runbook, a lock, a check
 * interrupted): the JUnit file still says so. Annotations for errors are main.ts's (every command).
 * A failure to write is not allowed to hide the error being reported.
 */
export async function failedReports(ci: CiContext, command: string, subject: string, error: unknown): Promise<void> {
  if (!ci.junit || (error instanceof ReadybookError && error.code === 'RB080')) return;
  const e = error instanceof ReadybookError ? { code: error.code, message: error.message, details: error.details } : { code: 'internal', message: (error as Error)?.message ?? String(error) };
  try {
    await writeJunit(ci.junit, [errorSuite(command, subject, e)]);
  } catch (writeError) {
    process.stderr.write(`warning: ${(writeError as Error).message}\n`);
  }
}

/** The check was interrupted: no verdict, and the JUnit file says so with one failing case. */
export async function interruptedCheckReports(ci: CiContext, checklist: string, message: string): Promise<void> {
  if (inGitHubActions(ci.env)) annotationStream(ci.json).write(annotation('error', message, { title: `Readybook check ${checklist} interrupted` }));
  if (ci.junit) await writeJunit(ci.junit, [errorSuite('check', checklist, { code: 'interrupted', message }, 'failure')]);
}
