import { createHash } from 'node:crypto';
import type { Block, Runbook, Step } from './parse.js';
import { gitState, repoPath, repoRootOf } from '../record/repo.js';

/** One step's identity in a run: its title (to name it) and the hash of what it executes. */
export interface StepHash {
  index: number;
  title: string;
  hash: string;
}

/** What run.start records so a checklist can tell that a run proves the runbook as it is now. */
export interface RunbookIdentity {
  /** The runbook's path relative to its repository root, with `/`: `runbooks/dr-drill.md`. */
  repoPath: string;
  stepHashes: StepHash[];
  /** The git commit checked out when the run started, and whether the runbook file differed from it. */
  commit?: string;
  dirty?: boolean;
}

const blockPart = (block: Block | undefined) => (block ? { lang: block.lang, code: block.code, options: block.options } : null);

/**
 * A step's content hash: sha256 over what executes — its run, verify and rollback blocks (language, code,
 * options) and the declarations of the params those blocks name — and whether it is manual. Prose, the
 * title and the step's position do not count, so editing the explanation keeps the evidence.
 */
export function stepHash(runbook: Pick<Runbook, 'frontmatter'>, step: Step): string {
  const code = [step.run, step.verify, step.rollback].map((b) => b?.code ?? '').join('\n');
  const declared = runbook.frontmatter.params ?? {};
  const params = Object.keys(declared)
    .filter((name) => new RegExp(`(?<![A-Za-z0-9_])${name}(?![A-Za-z0-9_])`).test(code))
    .sort()
    .map((name) => [name, declared[name]]);
  const canonical = JSON.stringify({ v: 1, manual: step.manual, run: blockPart(step.run), verify: blockPart(step.verify), rollback: blockPart(step.rollback), params });
  return createHash('sha256').update(canonical).digest('hex');
}

export function stepHashes(runbook: Pick<Runbook, 'frontmatter' | 'steps'>): StepHash[] {
  return runbook.steps.map((step) => ({ index: step.index, title: step.title, hash: stepHash(runbook, step) }));
}

/** The identity fields of run.start for a runbook file at `path` (absolute). */
export function runbookIdentity(runbook: Pick<Runbook, 'frontmatter' | 'steps'>, path: string): RunbookIdentity {
  const root = repoRootOf(path);
  const git = gitState(root, path);
  return { repoPath: repoPath(root, path), stepHashes: stepHashes(runbook), ...(git ? { commit: git.commit, ...(git.dirty !== undefined ? { dirty: git.dirty } : {}) } : {}) };
}

/**
 * The first difference between the steps a run executed and the runbook's steps now, as a sentence, or
 * undefined when they are the same. Steps are matched by title, so a renamed step reads as removed + new.
 */
export function stepChange(then: readonly StepHash[], now: readonly StepHash[]): string | undefined {
  const before = new Map(then.map((s) => [s.title, s]));
  for (const step of now) {
    const old = before.get(step.title);
    if (!old) return `step ${step.index} "${step.title}" is new since the run`;
    if (old.hash !== step.hash) return `step ${step.index} "${step.title}" changed since the run`;
  }
  const titles = new Set(now.map((s) => s.title));
  const removed = then.find((s) => !titles.has(s.title));
  if (removed) return `step "${removed.title}" was removed since the run`;
  if (then.map((s) => s.title).join('\n') !== now.map((s) => s.title).join('\n')) return 'the steps were reordered since the run';
  return undefined;
}
