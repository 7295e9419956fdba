import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Comparator } from '@readybook/schema';
import { type EvidenceLocations, loadRuns, type RunRecord } from './evidence.js';
import { formatAge, formatLimit } from './format.js';
import { readChecklist } from './load.js';
import { runShell } from './shell.js';
import {
  type BlockingItem,
  type Checklist,
  type ChecklistEvaluation,
  type ChecklistItem,
  type Completion,
  type EvidenceRef,
  type ItemResult,
  type ItemStatus,
  PASSING_STATUSES,
} from './types.js';

export const DEFAULT_MAX_AGE_MS = 7 * 86_400_000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 5 * 60_000;

export interface EvaluateOptions extends EvidenceLocations {
  /** Where commands run, and what file paths in the evaluation are relative to. */
  cwd: string;
  /** The moment evidence ages are measured from; defaults to the time of the call. */
  now?: Date;
  /** Called before each item is evaluated, e.g. to say which slow command is running. */
  onItem?: (item: ChecklistItem) => void;
  /** Environment of commands; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Reads, parses and evaluates a checklist. Throws InvalidChecklistError when it has errors. */
export async function evaluateChecklist(path: string, options: EvaluateOptions): Promise<ChecklistEvaluation> {
  const { checklist } = await readChecklist(path, options.cwd);
  return evaluate(checklist, options);
}

/** Evaluates every item in order (commands one at a time) and decides the gate. */
export async function evaluate(checklist: Checklist, options: EvaluateOptions): Promise<ChecklistEvaluation> {
  const started = performance.now();
  const now = options.now ?? new Date();
  const { runs, warnings } = await loadRuns(options);
  const context: ItemContext = { runs, now: now.getTime(), maxAgeMs: checklist.frontmatter['max-age'] ?? DEFAULT_MAX_AGE_MS, options };

  const sections = [];
  for (const section of checklist.sections) {
    const items: ItemResult[] = [];
    for (const item of section.items) {
      options.onItem?.(item);
      const itemStarted = performance.now();
      const outcome = await evaluateItem(item, context);
      items.push({
        section: section.title,
        text: item.text,
        line: item.line,
        column: item.column,
        kind: item.check.kind,
        required: !item.check.advisory,
        check: item.source ?? null,
        ...outcome,
        ...(item.signedBy ? { signedBy: item.signedBy, signedAt: item.signedAt } : {}),
        ...(item.role ? { role: item.role } : {}),
        durationMs: Math.round(performance.now() - itemStarted),
      });
    }
    sections.push({ title: section.title, line: section.line, completion: completion(items), items });
  }

  const all = sections.flatMap((s) => s.items);
  const notPassing = (i: ItemResult) => !PASSING_STATUSES.includes(i.status);
  const toBlocking = (i: ItemResult): BlockingItem => ({ section: i.section, text: i.text, line: i.line, status: i.status, reason: i.reason });
  const blocking = all.filter((i) => i.required && notPassing(i)).map(toBlocking);
  const counts = Object.fromEntries(STATUSES.map((s) => [s, all.filter((i) => i.status === s).length])) as Record<ItemStatus, number>;
  const { frontmatter: fm } = checklist;

  return {
    schemaVersion: 1,
    checklist: { id: checklist.id, file: checklist.file, title: fm.title, gate: fm.gate, owner: fm.owner, ...(fm.description ? { description: fm.description } : {}) },
    evaluatedAt: now.toISOString(),
    verdict: blocking.length === 0 ? 'GO' : 'NO-GO',
    completion: completion(all),
    requiredCompletion: completion(all.filter((i) => i.required)),
    counts,
    blocking,
    advisories: all.filter((i) => !i.required && notPassing(i)).map(toBlocking),
    sections,
    warnings,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Writes `<evidenceDir>/evaluations/<checklist-id>.json`, which the docs site reads at build time. */
export async function writeEvaluation(evaluation: ChecklistEvaluation, evidenceDir: string): Promise<string> {
  const dir = join(evidenceDir, 'evaluations');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${evaluation.checklist.id}.json`);
  await writeFile(path, `${JSON.stringify(evaluation, null, 2)}\n`);
  return path;
}

const STATUSES: readonly ItemStatus[] = ['pass', 'fail', 'stale', 'missing', 'confirmed', 'pending'];

interface ItemContext {
  runs: RunRecord[];
  now: number;
  maxAgeMs: number;
  options: EvaluateOptions;
}

type Outcome = Pick<ItemResult, 'status' | 'actual' | 'expected' | 'reason' | 'evidence' | 'output'>;

async function evaluateItem(item: ChecklistItem, context: ItemContext): Promise<Outcome> {
  const check = item.check;
  switch (check.kind) {
    case 'evidence':
    case 'measure': {
      const within = check.within ?? context.maxAgeMs;
      const runs = context.runs.filter((r) => r.runbookId === check.runbook);
      const passing = runs.find((r) => r.status === 'passed');
      const expected = check.kind === 'evidence' ? `passing run within ${formatLimit(within)}` : `${check.output} ${check.op} ${check.threshold} within ${formatLimit(within)}`;
      if (!passing) {
        const latest = runs[0];
        if (!latest) return { status: 'missing', actual: null, expected, reason: `no run of ${check.runbook} found: run \`readybook run ${check.runbook}\`` };
        const ref = evidenceRef(latest, context.now);
        return { status: 'fail', actual: latest.status, expected, evidence: ref, reason: `no passing run of ${check.runbook}; the latest, ${latest.runId}, ${latest.status} ${formatAge(ref.ageMs)}` };
      }
      const evidence = evidenceRef(passing, context.now);
      const stale = evidence.ageMs > within;
      const staleReason = `the last passing run of ${check.runbook} is ${formatAge(evidence.ageMs)}; evidence must be under ${formatLimit(within)} old`;
      if (check.kind === 'evidence') {
        return { status: stale ? 'stale' : 'pass', actual: `passed ${formatAge(evidence.ageMs)}`, expected, evidence, reason: stale ? staleReason : `${passing.runId} passed` };
      }
      const raw = passing.outputs[check.output];
      if (raw === undefined) {
        return { status: 'missing', actual: null, expected, evidence, reason: `${passing.runId} has no output ${check.output}; the runbook must write it to $READYBOOK_OUTPUT` };
      }
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value)) {
        return { status: 'fail', actual: raw, expected, evidence, reason: `${check.output} is \`${raw}\`, not a number` };
      }
      if (!compare(value, check.op, check.threshold)) {
        return { status: 'fail', actual: raw, expected, evidence, reason: `${check.output} = ${raw} in ${passing.runId}, not ${check.op} ${check.threshold}` };
      }
      return { status: stale ? 'stale' : 'pass', actual: raw, expected, evidence, reason: stale ? staleReason : `${check.output} = ${raw} in ${passing.runId}` };
    }
    case 'command': {
      const timeoutMs = check.timeout ?? DEFAULT_COMMAND_TIMEOUT_MS;
      const expected = `exit 0 within ${formatLimit(timeoutMs)}`;
      const result = await runShell(check.command, { cwd: context.options.cwd, timeoutMs, ...(context.options.env ? { env: context.options.env } : {}) });
      const output = result.tail ? { output: result.tail } : {};
      if (result.error) return { status: 'fail', actual: 'not started', expected, reason: `bash could not start: ${result.error}`, ...output };
      if (result.timedOut) return { status: 'fail', actual: 'timed out', expected, reason: `killed after ${formatLimit(timeoutMs)}`, ...output };
      const actual = result.exitCode === null ? 'killed' : `exit ${result.exitCode}`;
      return { status: result.exitCode === 0 ? 'pass' : 'fail', actual, expected, reason: `\`${check.command}\` ended with ${actual}`, ...output };
    }
    case 'manual': {
      const expected = check.role ? `ticked and signed by ${check.role}` : 'ticked';
      const signature = item.signedBy ? `signed: ${item.signedBy}${item.role ? ` (${item.role})` : ''} ${item.signedAt}` : null;
      const signHint = `add \`— signed: <name> (${check.role}) <YYYY-MM-DD>\``;
      if (!item.checked) return { status: 'pending', actual: 'not ticked', expected, reason: check.role ? `waiting for ${check.role} to tick it and ${signHint}` : 'not ticked yet' };
      if (check.role && !item.signedBy) return { status: 'pending', actual: 'ticked, unsigned', expected, reason: `ticked but not signed: ${signHint}` };
      if (check.role && item.role !== check.role) {
        return { status: 'pending', actual: signature, expected, reason: `signed ${item.role ? `as ${item.role}` : 'without a role'}; needs ${check.role}` };
      }
      return { status: 'confirmed', actual: signature ?? 'ticked', expected, reason: signature ?? 'ticked, no sign-off recorded' };
    }
  }
}

function evidenceRef(run: RunRecord, now: number): EvidenceRef {
  return { runbook: run.runbookId, runId: run.runId, endedAt: run.time, ageMs: Math.max(0, now - Date.parse(run.time)), source: run.source };
}

function compare(value: number, op: Comparator, threshold: number): boolean {
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

function completion(items: readonly ItemResult[]): Completion {
  const passing = items.filter((i) => PASSING_STATUSES.includes(i.status)).length;
  return { total: items.length, passing, ratio: items.length === 0 ? 1 : passing / items.length };
}
