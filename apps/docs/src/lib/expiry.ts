import { DEFAULT_MAX_AGE_MS } from '@readybook/engine/checklist';
import type { ChecklistEvaluation } from './evaluation.js';

/** Something that stops being true at `at`, and the command that makes it true again. */
export interface Lapse {
  /** ISO time. */
  at: string;
  /** What to run again, e.g. `pnpm readybook run dr-drill`. */
  command: string;
  /** Why, for the reader: `dr-drill evidence (run 20261124T…) is older than 7d`. */
  why: string;
}

export interface Expiry {
  /** ISO time after which the evaluation no longer holds. */
  expiresAt: string;
  /** `evaluation`: the evaluator wrote `expiresAt`; `derived`: worked out here from the evaluation and the checklist. */
  source: 'evaluation' | 'derived';
  /** Everything that lapses, earliest first; the first ones lapse at `expiresAt`. */
  lapses: Lapse[];
}

/** What the site knows of each item's check: the evidence window it is held to. */
export interface ItemWindow {
  line: number;
  text: string;
  /** The item's own `within`, in ms, if it has one. */
  withinMs?: number;
}

/**
 * When an evaluation stops holding. The evaluator's `expiresAt` (the earliest expiry of the evidence it used)
 * when it wrote one; otherwise derived the same way from what the evaluation records: each run it used expires
 * `within` (the item's, else the checklist's `max-age`, else 7d) after it ended (or when the evaluator says it
 * expires), counting the required items that pass on it; and the evaluation as a whole — commands and sign-offs
 * included — is held to `max-age` after `evaluatedAt`. The earliest of these wins.
 */
export function evaluationExpiry(
  evaluation: ChecklistEvaluation & { expiresAt?: unknown },
  maxAgeMs: number | undefined,
  items: readonly ItemWindow[] = [],
): Expiry {
  const checklistId = evaluation.checklist.id;
  const checkCommand = `pnpm readybook check ${checklistId}`;
  const window = maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const lapses: Lapse[] = [];
  const evaluatedAt = Date.parse(evaluation.evaluatedAt);
  if (Number.isFinite(evaluatedAt)) {
    lapses.push({ at: new Date(evaluatedAt + window).toISOString(), command: checkCommand, why: `the evaluation itself is held to max-age ${formatWindow(window)}` });
  }
  const seen = new Set<string>();
  // As the engine does: the required items that pass on a run's evidence (a failing one already blocks the gate).
  for (const result of evaluation.sections.flatMap((s) => s.items)) {
    const evidence = result.evidence as (typeof result.evidence & { expiresAt?: unknown }) | undefined;
    if (!evidence || !result.required || result.status !== 'pass') continue;
    const ended = Date.parse(evidence.endedAt);
    const item = items.find((i) => i.line === result.line && i.text === result.text);
    const within = item?.withinMs ?? window;
    // The evaluator's own expiry of that evidence when it wrote one.
    const at = typeof evidence.expiresAt === 'string' && Number.isFinite(Date.parse(evidence.expiresAt)) ? Date.parse(evidence.expiresAt) : ended + within;
    if (!Number.isFinite(at)) continue;
    const key = `${evidence.runbook} ${at}`;
    if (seen.has(key)) continue;
    seen.add(key);
    lapses.push({
      at: new Date(at).toISOString(),
      command: `pnpm readybook run ${evidence.runbook}`,
      why: `evidence from ${evidence.runbook} run ${evidence.runId} is held to ${formatWindow(within)}`,
    });
  }
  lapses.sort((a, b) => a.at.localeCompare(b.at));
  const given = typeof evaluation.expiresAt === 'string' && Number.isFinite(Date.parse(evaluation.expiresAt)) ? new Date(evaluation.expiresAt).toISOString() : undefined;
  if (given) {
    // The evaluator's figure decides; the lapses still say what to run again.
    return { expiresAt: given, source: 'evaluation', lapses: lapses.length > 0 ? lapses : [{ at: given, command: checkCommand, why: 'the evaluation expires' }] };
  }
  const first = lapses[0];
  // An evaluation without a parsable time never held: expired from the start.
  return { expiresAt: first?.at ?? new Date(0).toISOString(), source: 'derived', lapses };
}

/** Whether the evaluation no longer holds at `now`. */
export function isExpired(expiry: Pick<Expiry, 'expiresAt'>, now: Date): boolean {
  return now.getTime() >= Date.parse(expiry.expiresAt);
}

/**
 * What has lapsed by `now`, as commands to run, in order: the runbooks first, then the check that turns their
 * runs into a new verdict (always last, once).
 */
export function rerunCommands(expiry: Expiry, now: Date, checklistId: string): string[] {
  const checkCommand = `pnpm readybook check ${checklistId}`;
  const runs = expiry.lapses.filter((l) => Date.parse(l.at) <= now.getTime() && l.command !== checkCommand).map((l) => l.command);
  return [...new Set(runs), checkCommand];
}

function formatWindow(ms: number): string {
  const day = 86_400_000;
  const hour = 3_600_000;
  if (ms % day === 0) return `${ms / day}d`;
  if (ms % hour === 0) return `${ms / hour}h`;
  return `${Math.round(ms / 60_000)}m`;
}

/**
 * The expiry of a checklist's evaluation from what the site loaded: the checklist's `max-age` and each
 * evidence or measure item's own `within`.
 */
export function checklistExpiry(checklist: {
  evaluation?: ChecklistEvaluation;
  frontmatter: { 'max-age'?: number };
  sections: ReadonlyArray<{ items: ReadonlyArray<{ line: number; text: string; check: { kind: string; within?: number } }> }>;
}): Expiry | undefined {
  if (!checklist.evaluation) return undefined;
  const items = checklist.sections.flatMap((s) => s.items).map((item) => ({ line: item.line, text: item.text, ...(item.check.within !== undefined ? { withinMs: item.check.within } : {}) }));
  return evaluationExpiry(checklist.evaluation, checklist.frontmatter['max-age'], items);
}
