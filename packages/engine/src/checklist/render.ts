import { formatAge } from './format.js';
import type { BlockingItem, ChecklistEvaluation, ItemResult, ItemStatus } from './types.js';

export interface RenderOptions {
  color: boolean;
}

/** Colour only on a TTY, never with NO_COLOR set; FORCE_COLOR turns it on anywhere. */
export function shouldColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
type Style = keyof typeof CODES;

const STATUS_STYLE: Record<ItemStatus, Style> = { pass: 'green', confirmed: 'green', fail: 'red', stale: 'yellow', missing: 'yellow', outdated: 'yellow', pending: 'yellow' };

const COLUMNS = [
  { title: 'STATUS', max: 9, get: (i: ItemResult) => i.status },
  { title: 'KIND', max: 9, get: (i: ItemResult) => (i.required ? i.kind : `${i.kind}*`) },
  { title: 'ITEM', max: 44, get: (i: ItemResult) => i.text },
  { title: 'ACTUAL', max: 30, get: (i: ItemResult) => i.actual ?? '—' },
  { title: 'EXPECTED', max: 40, get: (i: ItemResult) => i.expected },
  { title: 'EVIDENCE', max: 16, get: (i: ItemResult) => (i.evidence ? formatAge(i.evidence.ageMs) : '') },
] as const;

/** The per-section table, then the verdict with the blocking items. */
export function renderEvaluation(evaluation: ChecklistEvaluation, options: RenderOptions): string {
  const paint = (style: Style, text: string) => (options.color ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text);
  const all = evaluation.sections.flatMap((s) => s.items);
  const widths = COLUMNS.map((c) => Math.max(c.title.length, ...all.map((i) => clip(c.get(i), c.max).length)));
  const row = (cells: string[]) => `  ${cells.map((cell, n) => (n === cells.length - 1 ? cell : cell.padEnd(widths[n]!))).join('  ')}`.trimEnd();

  const { checklist } = evaluation;
  const lines = [paint('bold', `${checklist.title} — gate ${checklist.gate} (owner: ${checklist.owner})`), paint('dim', `${checklist.file} · evaluated ${evaluation.evaluatedAt}`), ''];
  for (const section of evaluation.sections) {
    lines.push(paint('bold', `${section.title}  ${section.completion.passing}/${section.completion.total}`));
    if (section.items.length > 0) lines.push(paint('dim', row(COLUMNS.map((c) => c.title))));
    for (const item of section.items) {
      const cells = COLUMNS.map((c, n) => clip(c.get(item), c.max).padEnd(n === COLUMNS.length - 1 ? 0 : widths[n]!));
      cells[0] = paint(STATUS_STYLE[item.status], cells[0]!);
      lines.push(`  ${cells.join('  ')}`.trimEnd());
      if (item.kind === 'command' && item.status === 'fail' && item.output) {
        for (const out of item.output.split('\n').slice(-5)) lines.push(paint('dim', `      │ ${out}`));
      }
    }
    lines.push('');
  }
  if (all.some((i) => !i.required)) lines.push(paint('dim', '* advisory: reported, never blocks the gate'), '');

  const { requiredCompletion: req, completion: every } = evaluation;
  if (evaluation.verdict === 'GO') {
    lines.push(`${paint('green', paint('bold', 'GO'))}: all ${req.total} required items pass (${every.passing}/${every.total} items in all)`);
  } else {
    lines.push(`${paint('red', paint('bold', 'NO-GO'))}: ${evaluation.blocking.length} of ${req.total} required items block ${checklist.gate}`);
    lines.push(...evaluation.blocking.map((b) => listed(b, checklist.file, (t) => paint('red', t))));
  }
  if (evaluation.advisories.length > 0) {
    lines.push(`${evaluation.advisories.length} advisory item${evaluation.advisories.length === 1 ? '' : 's'} not passing (not blocking):`);
    lines.push(...evaluation.advisories.map((b) => listed(b, checklist.file, (t) => paint('yellow', t))));
  }
  if (evaluation.refused?.length) {
    lines.push(paint('yellow', `${evaluation.refused.length} run${evaluation.refused.length === 1 ? '' : 's'} not counted because ${evaluation.refused.length === 1 ? 'it does' : 'they do'} not verify (\`readybook verify <file>\` says why):`));
    for (const r of evaluation.refused) lines.push(paint('yellow', `  ✗ ${r.runId} (${r.file}): ${r.problem}`));
  }
  if (evaluation.verdict === 'GO' && evaluation.expiresAt) lines.push(paint('dim', `valid until ${evaluation.expiresAt}: re-run the oldest evidence before then`));
  for (const warning of evaluation.warnings) lines.push(paint('yellow', `warning: ${warning}`));
  return `${lines.join('\n')}\n`;
}

function listed(item: BlockingItem, file: string, paint: (text: string) => string): string {
  return `  ${paint('✗')} ${item.section} › ${item.text}  (${file}:${item.line})\n      ${paint(item.status)}: ${item.reason}`;
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
