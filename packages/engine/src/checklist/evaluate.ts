import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRunbookFile } from '../runbook/parse.js';
import { loadTrustFrom } from '../trust/keys.js';
import { stepChange, stepHashes, type StepHash } from '../runbook/steps-hash.js';
import { type EvidenceLocations, loadRuns, type RunRecord } from './evidence.js';
import { formatAge, formatLimit } from './format.js';
import { baselineOf, compare, limitText, plural, round, signedPercent } from './measure.js';
import { displayPath, readChecklist } from './load.js';
import { runShell } from './shell.js';
import { judgeSignOff, loadSignOffs, type StoredSignOff } from './signoffs.js';
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
  type RefusedRun,
  type SignOffRef,
} from './types.js';

export const DEFAULT_MAX_AGE_MS = 7 * 86_400_000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 5 * 60_000;

export interface EvaluateOptions extends EvidenceLocations {
  /**
   * The repository root: commands run here, runbooks are read from `runbooks/` here, and file paths in
   * the evaluation are relative to it.
   */
  cwd: string;
  /** The moment evidence ages are measured from; defaults to the time of the call. */
  now?: Date;
  /** Called before each item is evaluated, e.g. to say which slow command is running. */
  onItem?: (item: ChecklistItem) => void;
  /** Environment of commands; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Aborted by Ctrl-C / SIGTERM: the running command's process group is stopped and evaluation throws InterruptedError. */
  signal?: AbortSignal;
  /** Evaluate only evidence and measure items (for `signoff`, which needs the evidence digest, not the commands). */
  evidenceOnly?: boolean;
  /** The checklist file's sha256 and the repository's commit, recorded in the evaluation. */
  checklistHash?: string;
  commit?: string;
}

/** Thrown when the evaluation was interrupted: nothing it found may be recorded. */
export class InterruptedError extends Error {
  constructor(readonly during?: string) {
    super(during ? `interrupted while running ${during}` : 'interrupted');
    this.name = 'InterruptedError';
  }
}

/** Reads, parses and evaluates a checklist. Throws InvalidChecklistError when it has errors. */
export async function evaluateChecklist(path: string, options: EvaluateOptions): Promise<ChecklistEvaluation> {
  const { checklist } = await readChecklist(path, options.cwd);
  return evaluate(checklist, options);
}

/** The runbook a check names, as it is now: `runbooks/<id>.md` of the repository, and its step hashes. */
interface CurrentRunbook {
  repoPath: string;
  stepHashes?: StepHash[];
  problem?: string;
}

function currentRunbook(root: string, id: string): CurrentRunbook {
  const repoPath = `runbooks/${id}.md`;
  const { runbook, diagnostics } = parseRunbookFile(join(root, repoPath), repoPath);
  if (!runbook) {
    const missing = diagnostics.some((d) => /cannot read file: ENOENT/.test(d.message));
    return { repoPath, problem: missing ? `there is no ${repoPath} in this repository` : `${repoPath} is not a valid runbook (run \`readybook validate ${repoPath}\`)` };
  }
  return { repoPath, stepHashes: stepHashes(runbook) };
}

/** Evaluates every item in order (commands one at a time; manual items last, over the evidence found) and decides the gate. */
export async function evaluate(checklist: Checklist, options: EvaluateOptions): Promise<ChecklistEvaluation> {
  const started = performance.now();
  const now = options.now ?? new Date();
  const items = checklist.sections.flatMap((s) => s.items);
  const named = new Set(items.flatMap((i) => (i.check.kind === 'evidence' || i.check.kind === 'measure' ? [i.check.runbook] : [])));
  const { runs, warnings } = await loadRuns(options, named);
  const runbooks = new Map([...named].map((id) => [id, currentRunbook(options.cwd, id)]));
  const context: ItemContext = { runs, runbooks, now: now.getTime(), maxAgeMs: checklist.frontmatter['max-age'] ?? DEFAULT_MAX_AGE_MS, options, signOffs: [], evidenceDigest: '', allowUnsigned: checklist.frontmatter['unsigned-signoffs'] === true, checklistId: checklist.id };

  const results = new Map<ChecklistItem, ItemResult>();
  const evaluateOne = async (section: string, item: ChecklistItem) => {
    if (options.signal?.aborted) throw new InterruptedError();
    options.onItem?.(item);
    const itemStarted = performance.now();
    const outcome = await evaluateItem(item, context);
    if (options.signal?.aborted) throw new InterruptedError(item.check.kind === 'command' ? `\`${item.check.command}\`` : undefined);
    results.set(item, {
      section,
      text: item.text,
      line: item.line,
      column: item.column,
      kind: item.check.kind,
      required: !item.check.advisory,
      check: item.source ?? null,
      ...outcome,
      ...(item.signedBy && !outcome.signoff ? { signedBy: item.signedBy, signedAt: item.signedAt } : {}),
      ...(item.role && !outcome.signoff ? { role: item.role } : {}),
      durationMs: Math.round(performance.now() - itemStarted),
    });
  };
  const kinds = (k: readonly string[]) => checklist.sections.flatMap((s) => s.items.filter((i) => k.includes(i.check.kind)).map((i) => [s.title, i] as const));
  for (const [section, item] of kinds(['evidence', 'measure'])) await evaluateOne(section, item);
  context.evidenceDigest = evidenceDigest(items.map((i) => results.get(i)).filter((r): r is ItemResult => r !== undefined));
  if (!options.evidenceOnly) {
    for (const [section, item] of kinds(['command'])) await evaluateOne(section, item);
    context.signOffs = await loadSignOffs(options.evidenceDir, checklist.id);
    for (const [section, item] of kinds(['manual'])) await evaluateOne(section, item);
  }

  const sections = checklist.sections.map((section) => {
    const list = section.items.map((i) => results.get(i)).filter((r): r is ItemResult => r !== undefined);
    return { title: section.title, line: section.line, completion: completion(list), items: list };
  });
  const all = sections.flatMap((s) => s.items);
  const notPassing = (i: ItemResult) => !PASSING_STATUSES.includes(i.status);
  const toBlocking = (i: ItemResult): BlockingItem => ({ section: i.section, text: i.text, line: i.line, status: i.status, reason: i.reason });
  const blocking = all.filter((i) => i.required && notPassing(i)).map(toBlocking);
  const counts = Object.fromEntries(STATUSES.map((s) => [s, all.filter((i) => i.status === s).length])) as Record<ItemStatus, number>;
  const { frontmatter: fm } = checklist;
  const expiries = all.filter((i) => i.required && i.status === 'pass' && i.evidence).map((i) => Date.parse(i.evidence!.expiresAt));
  const expiresAt = new Date(Math.min(now.getTime() + context.maxAgeMs, ...expiries)).toISOString();
  const refused = refusedRuns(runs, options.cwd);

  return {
    schemaVersion: 1,
    checklist: {
      id: checklist.id,
      file: checklist.file,
      ...(options.checklistHash ? { hash: options.checklistHash } : {}),
      title: fm.title,
      gate: fm.gate,
      owner: fm.owner,
      ...(fm.description ? { description: fm.description } : {}),
    },
    evaluatedAt: now.toISOString(),
    expiresAt,
    ...(options.commit ? { commit: options.commit } : {}),
    evidenceDigest: context.evidenceDigest,
    verdict: blocking.length === 0 ? 'GO' : 'NO-GO',
    completion: completion(all),
    requiredCompletion: completion(all.filter((i) => i.required)),
    counts,
    blocking,
    advisories: all.filter((i) => !i.required && notPassing(i)).map(toBlocking),
    sections,
    refused,
    warnings,
    durationMs: Math.round(performance.now() - started),
  };
}

/** The digest sign-offs are signed over: which run (and sealed head) each evidence and measure item used. */
export function evidenceDigest(results: readonly ItemResult[]): string {
  const used = results.filter((r) => r.kind === 'evidence' || r.kind === 'measure').map((r) => [r.check, r.evidence?.runId ?? null, r.evidence?.head ?? null]);
  return createHash('sha256').update(JSON.stringify({ v: 1, used })).digest('hex');
}

function refusedRuns(runs: readonly RunRecord[], root: string): RefusedRun[] {
  return runs
    .filter((r) => !r.verified && r.status !== 'unfinished')
    .map((r) => ({ runId: r.runId, runbook: r.runbookId, source: r.source, file: displayPath(r.file, root), problem: r.problem ?? 'does not verify' }));
}

/** Writes `<evidenceDir>/evaluations/<checklist-id>.json`, which the docs site reads at build time. */
export async function writeEvaluation(evaluation: ChecklistEvaluation, evidenceDir: string): Promise<string> {
  const dir = join(evidenceDir, 'evaluations');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${evaluation.checklist.id}.json`);
  await writeFile(`${path}.tmp`, `${JSON.stringify(evaluation, null, 2)}\n`);
  const { rename } = await import('node:fs/promises');
  await rename(`${path}.tmp`, path);
  return path;
}

const STATUSES: readonly ItemStatus[] = ['pass', 'fail', 'stale', 'missing', 'outdated', 'confirmed', 'pending'];

interface ItemContext {
  runs: RunRecord[];
  runbooks: Map<string, CurrentRunbook>;
  now: number;
  maxAgeMs: number;
  options: EvaluateOptions;
  signOffs: StoredSignOff[];
  evidenceDigest: string;
  allowUnsigned: boolean;
  checklistId: string;
}

type Outcome = Pick<ItemResult, 'status' | 'actual' | 'expected' | 'reason' | 'evidence' | 'baseline' | 'output' | 'signoff' | 'signedBy' | 'signedAt' | 'role'>;



async function evaluateItem(item: ChecklistItem, context: ItemContext): Promise<Outcome> {
  const check = item.check;
  switch (check.kind) {
    case 'evidence':
    case 'measure': {
      const within = check.within ?? context.maxAgeMs;
      const expected = check.kind === 'evidence' ? `passing run within ${formatLimit(within)}` : `${check.output} ${check.op} ${limitText(check)} within ${formatLimit(within)}`;
      const current = context.runbooks.get(check.runbook)!;
      if (!current.stepHashes) return { status: 'missing', actual: null, expected, reason: current.problem ?? `no runbook ${current.repoPath}` };
      const named = context.runs.filter((r) => r.runbookId === check.runbook && r.status !== 'unfinished');
      const refused = named.filter((r) => !r.verified);
      const trusted = named.filter((r) => r.verified);
      const elsewhere = trusted.filter((r) => r.repoPath !== current.repoPath);
      const same = trusted.filter((r) => r.repoPath === current.repoPath);
      const changeOf = (r: RunRecord) => (r.stepHashes ? stepChange(r.stepHashes, current.stepHashes!) : 'the run recorded no step hashes');
      const matching = same.filter((r) => changeOf(r) === undefined);
      const ref = (run: RunRecord) => evidenceRef(run, context.now, within, context.options.cwd);
      const passing = matching.find((r) => r.status === 'passed');
      if (!passing) {
        const outdated = same.find((r) => r.status === 'passed');
        if (outdated) {
          const evidence = ref(outdated);
          return {
            status: 'outdated',
            actual: `passed ${formatAge(evidence.ageMs)}, outdated`,
            expected,
            evidence,
            reason: `${changeOf(outdated)} ${outdated.runId} passed: it proves the runbook as it was; run \`readybook run ${check.runbook}\` again`,
          };
        }
        const latest = matching[0];
        if (latest) {
          const evidence = ref(latest);
          return { status: 'fail', actual: latest.status, expected, evidence, reason: `no passing run of ${current.repoPath}; the latest, ${latest.runId}, ${latest.status} ${formatAge(evidence.ageMs)}` };
        }
        const notes: string[] = [];
        if (elsewhere.length > 0) {
          const paths = [...new Set(elsewhere.map((r) => r.repoPath ?? '(a path not recorded)'))];
          notes.push(`${plural(elsewhere.length, 'run')} of another runbook named ${check.runbook} (${paths.join(', ')}) do not count`);
        }
        if (refused.length > 0) notes.push(`${plural(refused.length, 'run')} refused because ${refused.length === 1 ? 'it does' : 'they do'} not verify (${refused[0]!.runId}: ${refused[0]!.problem})`);
        return { status: 'missing', actual: null, expected, reason: `no verified run of ${current.repoPath}: run \`readybook run ${check.runbook}\`${notes.length ? `; ${notes.join('; ')}` : ''}` };
      }
      const evidence = ref(passing);
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
      if (check.baseline) {
        const trend = baselineOf(check.output, check.baseline, passing, matching);
        if ('inconclusive' in trend) return { status: 'missing', actual: raw, expected, evidence, reason: trend.inconclusive };
        const against = `the median of the ${plural(trend.runs.length, 'passing run')} before it is ${round(trend.median)}, so the limit is ${round(trend.limit)}`;
        const drift = trend.median === 0 ? '' : ` (${signedPercent((value / trend.median - 1) * 100)} against the median)`;
        const baseline = { baseline: trend };
        if (!compare(value, check.op, trend.limit)) {
          return { status: 'fail', actual: raw, expected, evidence, ...baseline, reason: `${check.output} = ${raw} in ${passing.runId}${drift}, not ${check.op} ${round(trend.limit)}: ${against}` };
        }
        return { status: stale ? 'stale' : 'pass', actual: raw, expected, evidence, ...baseline, reason: stale ? staleReason : `${check.output} = ${raw} in ${passing.runId}${drift}; ${against}` };
      }
      const threshold = check.threshold!;
      if (!compare(value, check.op, threshold)) {
        return { status: 'fail', actual: raw, expected, evidence, reason: `${check.output} = ${raw} in ${passing.runId}, not ${check.op} ${threshold}` };
      }
      return { status: stale ? 'stale' : 'pass', actual: raw, expected, evidence, reason: stale ? staleReason : `${check.output} = ${raw} in ${passing.runId}` };
    }
    case 'command': {
      const timeoutMs = check.timeout ?? DEFAULT_COMMAND_TIMEOUT_MS;
      const expected = `exit 0 within ${formatLimit(timeoutMs)}`;
      const result = await runShell(check.command, {
        cwd: context.options.cwd,
        timeoutMs,
        ...(context.options.env ? { env: context.options.env } : {}),
        ...(context.options.signal ? { signal: context.options.signal } : {}),
      });
      const output = result.tail ? { output: result.tail } : {};
      if (result.error) return { status: 'fail', actual: 'not started', expected, reason: `bash could not start: ${result.error}`, ...output };
      if (result.timedOut) return { status: 'fail', actual: 'timed out', expected, reason: `killed after ${formatLimit(timeoutMs)}`, ...output };
      const actual = result.exitCode === null ? 'killed' : `exit ${result.exitCode}`;
      return { status: result.exitCode === 0 ? 'pass' : 'fail', actual, expected, reason: `\`${check.command}\` ended with ${actual}`, ...output };
    }
    case 'manual':
      return manualOutcome(item, context);
  }
}

function manualOutcome(item: ChecklistItem, context: ItemContext): Outcome {
  const check = item.check as Extract<ChecklistItem['check'], { kind: 'manual' }>;
  const expected = check.role ? (context.allowUnsigned ? `ticked and signed by ${check.role}` : `signed by ${check.role} with a listed key`) : 'ticked';
  // Key-signed sign-offs (readybook signoff) over this item's text, for the role it needs.
  const candidates = context.signOffs.filter((s) => s.payload && s.payload.item === item.text && (!check.role || s.payload.role === check.role));
  const problems: string[] = [];
  const trust = context.options.trust ?? loadTrustFrom(context.options.evidenceDir, context.options.home);
  for (const candidate of candidates.reverse()) {
    const verdict = judgeSignOff(candidate, trust, { now: context.now, evidenceDigest: context.evidenceDigest });
    if (verdict.ok) {
      const p = candidate.payload!;
      const signoff: SignOffRef = { file: displayPath(candidate.file, context.options.cwd), signedBy: p.signedBy, role: p.role, signedAt: p.signedAt, fingerprint: verdict.fingerprint, principal: verdict.principal };
      const actual = `signed: ${p.signedBy} (${p.role}) ${p.signedAt.slice(0, 10)}, key ${verdict.fingerprint.slice(0, 20)}…`;
      return { status: 'confirmed', actual, expected, reason: `signed by ${p.signedBy} as ${p.role} with a key listed in ${trust.allowedFile ?? 'the allowed signers'}, over the current evidence`, signoff, signedBy: p.signedBy, signedAt: p.signedAt, role: p.role };
    }
    problems.push(verdict.problem);
  }
  const refusedNote = problems.length > 0 ? `; ${problems.join('; ')}` : '';
  const signCommand = `readybook signoff ${context.checklistId} ${item.line} --role ${check.role ?? '<role>'}`;
  const signature = item.signedBy ? `signed: ${item.signedBy}${item.role ? ` (${item.role})` : ''} ${item.signedAt}` : null;
  if (check.role && !context.allowUnsigned) {
    if (signature) return { status: 'pending', actual: `${signature} (unsigned)`, expected, reason: `the written sign-off is not signed with a key and this checklist does not accept unsigned sign-offs: \`${signCommand}\`${refusedNote}` };
    return { status: 'pending', actual: problems.length ? 'sign-off refused' : 'not signed', expected, reason: `waiting for ${check.role} to sign it: \`${signCommand}\`${refusedNote}` };
  }
  const signHint = `add \`— signed: <name> (${check.role}) <YYYY-MM-DD>\` or \`${signCommand}\``;
  if (!item.checked) return { status: 'pending', actual: 'not ticked', expected, reason: check.role ? `waiting for ${check.role} to tick it and ${signHint}${refusedNote}` : `not ticked yet${refusedNote}` };
  if (check.role && !item.signedBy) return { status: 'pending', actual: 'ticked, unsigned', expected, reason: `ticked but not signed: ${signHint}${refusedNote}` };
  if (check.role && item.role !== check.role) {
    return { status: 'pending', actual: signature, expected, reason: `signed ${item.role ? `as ${item.role}` : 'without a role'}; needs ${check.role}` };
  }
  if (signature && item.signedAt && Date.parse(`${item.signedAt}T00:00:00Z`) > context.now + 86_400_000) {
    return { status: 'pending', actual: signature, expected, reason: `the sign-off is dated ${item.signedAt}, in the future` };
  }
  return { status: 'confirmed', actual: signature ?? 'ticked', expected, reason: signature ? `${signature} (written in the checklist, not key-signed)` : 'ticked, no sign-off recorded' };
}

function evidenceRef(run: RunRecord, now: number, within: number, root: string): EvidenceRef {
  const ended = Date.parse(run.time);
  return {
    runbook: run.runbookId,
    runId: run.runId,
    endedAt: run.time,
    ageMs: Math.max(0, now - ended),
    source: run.source,
    expiresAt: new Date(ended + within).toISOString(),
    ...(run.repoPath ? { repoPath: run.repoPath } : {}),
    ...(run.commit ? { commit: run.commit } : {}),
    ...(run.head ? { head: run.head } : {}),
    ...(run.signer ? { signer: run.signer } : {}),
    file: displayPath(run.file, root),
  };
}


function completion(items: readonly ItemResult[]): Completion {
  const passing = items.filter((i) => PASSING_STATUSES.includes(i.status)).length;
  return { total: items.length, passing, ratio: items.length === 0 ? 1 : passing / items.length };
}
