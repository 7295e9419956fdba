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
 * pass / fail / stale / missing are the outcomes of automated checks;
 * confirmed / pending are the outcomes of manual items.
 */
export type ItemStatus = 'pass' | 'fail' | 'stale' | 'missing' | 'confirmed' | 'pending';

export const PASSING_STATUSES: readonly ItemStatus[] = ['pass', 'confirmed'];

/** The run an evidence or measure check read. */
export interface EvidenceRef {
  runbook: string;
  runId: string;
  /** When the run ended (ISO). */
  endedAt: string;
  ageMs: number;
  /** `journal`: $READYBOOK_HOME/runs; `evidence`: the committed evidence/runs folder. */
  source: 'journal' | 'evidence';
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
  /** Last lines of a command's output (stdout and stderr interleaved). */
  output?: string;
  signedBy?: string;
  signedAt?: string;
  role?: string;
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
  checklist: { id: string; file: string; title: string; gate: string; owner: string; description?: string };
  evaluatedAt: string;
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
