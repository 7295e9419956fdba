import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The fields of one item's result that the site shows, as the checklist evaluator writes them to
 * `evidence/evaluations/<checklist-id>.json` (packages/engine/src/checklist/types.ts, `ItemResult`).
 */
export interface ItemEvaluation {
  line: number;
  text: string;
  /** pass / fail / stale / missing for automated checks; confirmed / pending for manual items. */
  status: string;
  required: boolean;
  check: string | null;
  /** What was found, e.g. `3600` or `passed 2h 05m ago`. */
  actual: string | null;
  /** What passes, e.g. `RTO_SECONDS < 14400 within 7d`. */
  expected: string;
  reason: string;
  evidence?: { runbook: string; runId: string; endedAt: string; ageMs: number };
}

export interface ChecklistEvaluation {
  evaluatedAt: string;
  verdict: 'GO' | 'NO-GO';
  completion: { total: number; passing: number; ratio: number };
  sections: Array<{ title: string; line: number; items: ItemEvaluation[] }>;
}

/** Reads the evaluation the evaluator wrote, if any. A missing file is normal; a malformed one fails the build. */
export function readEvaluation(dir: string, checklistId: string): ChecklistEvaluation | undefined {
  const file = path.join(dir, `${checklistId}.json`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = JSON.parse(text) as Partial<ChecklistEvaluation>;
  if (!Array.isArray(parsed.sections) || typeof parsed.evaluatedAt !== 'string') {
    throw new Error(`${file}: not a checklist evaluation (expected "evaluatedAt" and a "sections" array)`);
  }
  return parsed as ChecklistEvaluation;
}

/** The evaluation of the item on `line`, if the evaluator reported one. */
export function evaluationFor(evaluation: ChecklistEvaluation | undefined, line: number): ItemEvaluation | undefined {
  return evaluation?.sections.flatMap((section) => section.items).find((item) => item.line === line);
}

/** Statuses that count as done, as in the evaluator's PASSING_STATUSES. */
export const PASSING = new Set(['pass', 'confirmed']);

/** With an evaluation an item is done when the evaluator says it passes; without one, when its box is ticked. */
export function itemStatus(
  evaluation: ChecklistEvaluation | undefined,
  item: { line: number; checked: boolean },
): { result?: ItemEvaluation; done: boolean } {
  const result = evaluationFor(evaluation, item.line);
  return { result, done: result ? PASSING.has(result.status) : item.checked };
}
