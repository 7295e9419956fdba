import type { Check, ChecklistFrontmatter } from '@readybook/schema';
import type { Diagnostic } from '../diagnostics.js';

/** The runbook parser's Diagnostic: checklist diagnostics print and sort the same way. */
export type { Diagnostic };

/** One GFM task-list item of a checklist. */
export interface ChecklistItem {
  /** The item's text without its check span and its sign-off. */
  text: string;
  /** The box as written. Only manual items are decided by it; a check decides the others. */
  checked: boolean;
  line: number;
  column: number;
  check: Check;
  /** The check span's text as written, e.g. `measure: dr-drill RTO_SECONDS < 14400`; absent for plain items. */
  source?: string;
  /** From `signed: <name> (<role>) <YYYY-MM-DD>` at the end of the item's text. */
  signedBy?: string;
  signedAt?: string;
  /** The role the signer signed as. The role required is `check.role`. */
  role?: string;
}

export interface ChecklistSection {
  title: string;
  line: number;
  items: ChecklistItem[];
}

export interface Checklist {
  /** File name without .md: names the evaluation file and the CLI argument. */
  id: string;
  file: string;
  frontmatter: ChecklistFrontmatter;
  sections: ChecklistSection[];
}

export interface ParseResult {
  checklist?: Checklist;
  diagnostics: Diagnostic[];
}

/**
 * pass / fail / stale / missing / outdated are the outcomes of automated checks (`outdated`: the only
 * passing run ran steps of the runbook that have changed since);
 * confirmed / pending are the outcomes of manual items.
 */
export type ItemStatus = 'pass' | 'fail' | 'stale' | 'missing' | 'outdated' | 'confirmed' | 'pending';

export const PASSING_STATUSES: readonly ItemStatus[] = ['pass', 'confirmed'];

/** Where a run was read: this home's journal, committed evidence, or the shared store (ADR 0024). */
export type RunSource = 'journal' | 'evidence' | 'store';

/** The run an evidence or measure check read. */
export interface EvidenceRef {
  runbook: string;
  runId: string;
  /** When the run ended (ISO). */
  endedAt: string;
  ageMs: number;
  /** `journal`: $READYBOOK_HOME/runs; `evidence`: the committed evidence/runs folder; `store`: the shared store (READYBOOK_STORE). */
  source: RunSource;
  /** When this evidence stops counting (ISO): endedAt + the check's `within`. */
  expiresAt: string;
  /** The runbook as it ran, relative to the repository root (`runbooks/dr-drill.md`). */
  repoPath?: string;
  /** The git commit the run started at, when it ran in a git checkout. */
  commit?: string;
  /** sha256 of the journal's last event, as sealed and signed at the end of the run. */
  head?: string;
  /** The key that signed it: fingerprint, and who it is in the allowed signers (or `this home`). */
  signer?: string;
  /** The file read, relative to the repository root when inside it. */
  file?: string;
}

/** The baseline of a trend measure: the median of the earlier passing runs, and the limit it gives. */
export interface TrendBaseline {
  median: number;
  /** median × (1 + percent / 100): the value the comparator is applied to. */
  limit: number;
  percent: number;
  /** The earlier runs the median is over, newest first. */
  runs: string[];
}

/** A run that was not counted because it does not verify (edited, truncated, unsigned or signed by an unlisted key). */
export interface RefusedRun {
  runId: string;
  runbook: string;
  source: RunSource;
  file: string;
  problem: string;
}

/** A sign-off made with `readybook signoff`, as verified. */
export interface SignOffRef {
  /** The file holding it, relative to the repository root. */
  file: string;
  signedBy: string;
  role: string;
  signedAt: string;
  /** The key's fingerprint and the principals that list it in evidence/allowed_signers. */
  fingerprint: string;
  principal: string;
}

export interface ItemResult {
  section: string;
  text: string;
  line: number;
  column: number;
  kind: Check['kind'];
  /** Advisory items never block the gate. */
  required: boolean;
  /** The check span as written, or null for a plain manual item. */
  check: string | null;
  status: ItemStatus;
  /** What was found: `3600`, `exit 0`, `passed 2h 05m ago`, `signed: alice (security-lead) 2026-11-20`… */
  actual: string | null;
  /** What passes: `RTO_SECONDS < 14400 within 7d`, `exit 0 within 5m`, `signed by security-lead`… */
  expected: string;
  /** One sentence on why the item has its status. */
  reason: string;
  evidence?: EvidenceRef;
  /** For a trend measure (`<= median + 10%`): the baseline the latest run was compared with. */
  baseline?: TrendBaseline;
  /** Last lines of a command's output (stdout and stderr interleaved). */
  output?: string;
  signedBy?: string;
  signedAt?: string;
  role?: string;
  /** The verified, key-signed sign-off that confirmed the item, when there is one. */
  signoff?: SignOffRef;
  /** Time spent evaluating the item. */
  durationMs: number;
}

export interface Completion {
  total: number;
  passing: number;
  /** passing / total, 0..1 (1 for an empty list). */
  ratio: number;
}

export interface SectionResult {
  title: string;
  line: number;
  completion: Completion;
  items: ItemResult[];
}

export interface BlockingItem {
  section: string;
  text: string;
  line: number;
  status: ItemStatus;
  reason: string;
}

export interface ChecklistEvaluation {
  schemaVersion: 1;
  /** `file` is relative to the repository root, whatever the working directory; `hash` is the file's sha256. */
  checklist: { id: string; file: string; hash?: string; title: string; gate: string; owner: string; description?: string };
  evaluatedAt: string;
  /**
   * When this verdict stops being valid (ISO): the earliest expiry of the evidence the required passing
   * items used, or evaluatedAt + max-age when they used no run. A GO shown after it is not a GO.
   */
  expiresAt: string;
  /** The git commit of the repository when it was evaluated, if it is a git checkout. */
  commit?: string;
  /**
   * sha256 over the evidence the checklist's evidence and measure items used (check, run id, sealed head):
   * what a sign-off is signed over, so a sign-off stops counting when the evidence changes.
   */
  evidenceDigest: string;
  /** Runs that were not counted because they do not verify. */
  refused: RefusedRun[];
  verdict: 'GO' | 'NO-GO';
  completion: Completion;
  /** Completion over required items only: the gate is GO when it is 1. */
  requiredCompletion: Completion;
  counts: Record<ItemStatus, number>;
  /** Required items that do not pass, in checklist order. */
  blocking: BlockingItem[];
  /** Advisory items that do not pass. */
  advisories: BlockingItem[];
  sections: SectionResult[];
  /** Evidence files that could not be read, and the like. */
  warnings: string[];
  durationMs: number;
}
