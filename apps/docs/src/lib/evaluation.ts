import { readFileSync } from 'node:fs';
import { inputError } from './input-error.js';
import path from 'node:path';
import { PASSING_STATUSES, type ChecklistEvaluation, type ItemResult, type ItemStatus } from '@readybook/engine/checklist';

/** What `readybook check` writes to `evidence/evaluations/<checklist-id>.json`: the engine's own types. */
export type { ChecklistEvaluation, ItemResult, ItemStatus };

/** Reads the evaluation the evaluator wrote, if any. A missing file is normal; a malformed one fails the build. */
export function readEvaluation(dir: string, checklistId: string): ChecklistEvaluation | undefined {
  const file = path.join(dir, `${checklistId}.json`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw inputError(`${file}: not valid JSON (${(error as Error).message}); run \`pnpm readybook check ${checklistId}\` to write it again`);
  }
  return asEvaluation(parsed, file, checklistId);
}

/** A value that must be an evaluation `readybook check` wrote (a file, or a row of the store): else the build fails, naming where it came from. */
export function asEvaluation(value: unknown, where: string, checklistId: string): ChecklistEvaluation {
  const parsed = (value ?? {}) as Partial<ChecklistEvaluation>;
  if (parsed.schemaVersion !== 1 || !Array.isArray(parsed.sections) || typeof parsed.evaluatedAt !== 'string' || !parsed.requiredCompletion) {
    throw inputError(
      `${where}: not a checklist evaluation of schemaVersion 1 (expected "evaluatedAt", "requiredCompletion" and "sections"); run \`pnpm readybook check ${checklistId}\` to write it again`,
    );
  }
  return parsed as ChecklistEvaluation;
}

/** The newer of two evaluations of one checklist (the committed file and the store's newest). */
export function newerEvaluation(a: ChecklistEvaluation | undefined, b: ChecklistEvaluation | undefined): ChecklistEvaluation | undefined {
  if (!a || !b) return a ?? b;
  return Date.parse(b.evaluatedAt) > Date.parse(a.evaluatedAt) ? b : a;
}

/**
 * The evaluation of the item on `line`, if the evaluator reported one for the same text: after the file is
 * edited, an item that moved or changed has no result until the checklist is evaluated again.
 */
export function evaluationFor(evaluation: ChecklistEvaluation | undefined, item: { line: number; text: string }): ItemResult | undefined {
  return evaluation?.sections.flatMap((section) => section.items).find((result) => result.line === item.line && result.text === item.text);
}

export function isPassing(status: ItemStatus): boolean {
  return PASSING_STATUSES.includes(status);
}

/** With an evaluation an item is done when the evaluator says it passes; without one, when its box is ticked. */
export function itemStatus(
  evaluation: ChecklistEvaluation | undefined,
  item: { line: number; text: string; checked: boolean },
): { result?: ItemResult; done: boolean } {
  const result = evaluationFor(evaluation, item);
  return { result, done: result ? isPassing(result.status) : item.checked };
}

/** Each item with its result, whether it is done and whether it decides the gate (it is not advisory). */
export function withResults<T extends { line: number; text: string; checked: boolean; check: { advisory: boolean } }>(
  evaluation: ChecklistEvaluation | undefined,
  items: readonly T[],
): Array<{ item: T; result?: ItemResult; done: boolean; required: boolean }> {
  return items.map((item) => ({ item, ...itemStatus(evaluation, item), required: !item.check.advisory }));
}
