import { basename } from 'node:path';
import { checklistFrontmatterSchema } from '@readybook/schema';
import type { Token } from 'markdown-it';
import { parseDocument } from 'yaml';
import { lineCountProblem, MAX_CHECKLIST_LINES, nestingProblem, parseInline, parseMarkdown, plainText, type MarkdownDocument } from '../document/markdown.js';
import { parseCheckSpan } from './check-syntax.js';
import { diagnostic, hasErrors } from '../diagnostics.js';
import { parseSignOff } from './sign-off.js';
import type { ChecklistItem, ChecklistSection, Diagnostic, ParseResult } from './types.js';

export interface ParseOptions {
  /** Ids of the runbooks that exist; when given, checks naming another runbook get a CL024 warning. */
  runbooks?: readonly string[];
}

/** Parses a checklist's Markdown into sections of items, each with its check. Never throws on bad input. */
export function parseChecklist(source: string, file: string, options: ParseOptions = {}): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const deep = nestingProblem(source);
  if (deep) {
    return { diagnostics: [diagnostic(file, 'CL025', deep.message, { line: deep.line })] };
  }
  const long = lineCountProblem(source, MAX_CHECKLIST_LINES);
  if (long) {
    return { diagnostics: [diagnostic(file, 'CL026', long.message, { line: long.line })] };
  }
  const doc = parseMarkdown(source);
  const locate = locator(doc.text);

  const frontmatter = readFrontmatter(doc.frontmatter?.yaml, file, diagnostics);

  const sections: ChecklistSection[] = [];
  const { tokens } = doc;
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    if (token.type === 'heading_open' && token.tag === 'h2' && token.level === 0) {
      const inline = tokens[i + 1] as Token;
      sections.push({ title: plainText(parseInline(inline.content, doc.env), { code: (c) => `\`${c}\`` }).trim(), line: (token.map?.[0] ?? 0) + 1, items: [] });
      continue;
    }
    const task = taskItem(tokens, i);
    if (!task) continue;
    const parsed = readItem(task, doc, file, locate, diagnostics);
    if (!parsed) continue;
    const section = sections.at(-1);
    if (!section) {
      diagnostics.push(diagnostic(file, 'CL020', 'this item is not under a `##` section', parsed));
      continue;
    }
    section.items.push(parsed);
  }

  const items = sections.flatMap((s) => s.items);
  if (items.length === 0) {
    diagnostics.push(diagnostic(file, 'CL023', 'the checklist has no task items', { line: 1 }, 'warning'));
  }
  if (options.runbooks) {
    for (const item of items) {
      const check = item.check;
      if ((check.kind === 'evidence' || check.kind === 'measure') && !options.runbooks.includes(check.runbook)) {
        diagnostics.push(
          diagnostic(file, 'CL024', `no runbook \`${check.runbook}\` in runbooks/`, item, { severity: 'warning', hint: `Runbooks here: ${options.runbooks.join(', ') || 'none'}.` }),
        );
      }
    }
  }

  diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
  if (!frontmatter || hasErrors(diagnostics)) return { diagnostics };
  return { checklist: { id: basename(file).replace(/\.md$/i, ''), file, frontmatter, sections }, diagnostics };
}

function readFrontmatter(yaml: string | undefined, file: string, diagnostics: Diagnostic[]) {
  if (yaml === undefined) {
    diagnostics.push(diagnostic(file, 'CL001', 'the checklist has no frontmatter', { line: 1 }));
    return undefined;
  }
  const doc = parseDocument(yaml);
  // Frontmatter starts on line 2, after the opening `---`.
  const lineOf = (offset: number) => yaml.slice(0, offset).split('\n').length + 1;
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      diagnostics.push(diagnostic(file, 'CL002', error.message.split('\n')[0]!, { line: lineOf(error.pos[0]) }));
    }
    return undefined;
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    // An alias bomb (or a bad alias) is a YAML error, not a crash.
    diagnostics.push(diagnostic(file, 'CL002', (error as Error).message, { line: 2 }));
    return undefined;
  }
  const result = checklistFrontmatterSchema.safeParse(data ?? {});
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const key = issue.path[0];
    const node = typeof key === 'string' ? doc.getIn([key], true) : undefined;
    const range = (node as { range?: [number, number] } | undefined)?.range;
    const field = typeof key === 'string' ? `\`${key}\`` : 'frontmatter';
    const hint = issue.code === 'unrecognized_keys' ? 'Fields are title, gate, owner, description, tags and max-age.' : undefined;
    diagnostics.push(diagnostic(file, 'CL003', `${field}: ${issue.message}`, { line: range ? lineOf(range[0]) : 2 }, hint ? { hint } : 'error'));
  }
  return undefined;
}

/** A GFM task-list item (`- [ ] text`, `- [x] text`), nested ones included. */
interface TaskItem {
  line: number;
  column: number;
  checked: boolean;
  /** The paragraph's inline content after the box, and the file offset where it starts. */
  content: string;
  offset: number;
  /** The paragraph's source lines (0-based, end exclusive). */
  lines: [number, number];
}

const TASK_BOX = /^\[([ xX])\](?=[ \t]|$)[ \t]*/;

/** The task item that starts at `tokens[i]`, when it is a `list_item_open` whose paragraph opens with a box. */
function taskItem(tokens: readonly Token[], i: number): TaskItem | undefined {
  const open = tokens[i] as Token;
  const paragraph = tokens[i + 1];
  const inline = tokens[i + 2];
  if (open.type !== 'list_item_open' || paragraph?.type !== 'paragraph_open' || inline?.type !== 'inline') return undefined;
  const box = TASK_BOX.exec(inline.content);
  if (!box) return undefined;
  const [first, last] = paragraph.map ?? [0, 0];
  return {
    line: (open.map?.[0] ?? 0) + 1,
    column: 1,
    checked: box[1] !== ' ',
    content: inline.content.slice(box[0].length),
    offset: -1,
    lines: [first, last],
  };
}

function readItem(
  task: TaskItem,
  doc: MarkdownDocument,
  file: string,
  locate: (offset: number) => { line: number; column: number },
  diagnostics: Diagnostic[],
): ChecklistItem | undefined {
  const listLine = doc.lines[task.line - 1] ?? '';
  const at = { line: task.line, column: listLine.length - listLine.trimStart().length + 1 };
  const inline = parseInline(task.content, doc.env);
  while (inline.length > 0 && inline.at(-1)!.type === 'text' && inline.at(-1)!.content.trim() === '') inline.pop();

  let check: ChecklistItem['check'] = { kind: 'manual', advisory: false };
  let source_: string | undefined;
  const last = inline.at(-1);
  if (last?.type === 'code_inline') {
    const span = lastCodeSpan(doc, task.lines);
    const text = span?.text ?? last.content;
    const offset = span?.offset ?? 0;
    const result = parseCheckSpan(text, file, (index) => locate(offset + index));
    diagnostics.push(...result.diagnostics);
    if (result.isCheck) {
      if (!result.check) return undefined;
      check = result.check;
      source_ = text.trim();
      inline.pop();
    }
  }

  const signOff = parseSignOff(textOf(inline).replace(/\s+/g, ' ').trim());
  if (signOff.error) diagnostics.push(diagnostic(file, 'CL022', signOff.error, at));
  if (task.checked && check.kind !== 'manual') {
    diagnostics.push(
      diagnostic(file, 'CL021', 'the box of an automated item is ticked', at, 'warning'),
    );
  }
  return {
    text: signOff.text,
    checked: task.checked,
    ...at,
    check,
    ...(source_ ? { source: source_ } : {}),
    ...(signOff.signedBy ? { signedBy: signOff.signedBy, signedAt: signOff.signedAt } : {}),
    ...(signOff.role ? { role: signOff.role } : {}),
  };
}

/**
 * The last code span of a paragraph, as written between its backtick fences, and the file offset
 * of its first character (for the column of a diagnostic inside a check). A code span opens with a
 * run of backticks and closes at the next run of the same length (CommonMark 6.1).
 */
function lastCodeSpan(doc: MarkdownDocument, [first, end]: [number, number]): { text: string; offset: number } | undefined {
  let base = 0;
  for (let line = 0; line < first; line += 1) base += (doc.lines[line] as string).length + 1;
  const raw = doc.lines.slice(first, end).join('\n');
  let found: { text: string; offset: number } | undefined;
  const runs = /`+/g;
  for (let open = runs.exec(raw); open; open = runs.exec(raw)) {
    if (open.index > 0 && raw[open.index - 1] === '\\') continue;
    const fence = open[0];
    const closing = new RegExp(`(?<!\`)${fence}(?!\`)`, 'g');
    closing.lastIndex = open.index + fence.length;
    const close = closing.exec(raw);
    if (!close) continue;
    found = { text: raw.slice(open.index + fence.length, close.index), offset: base + open.index + fence.length };
    runs.lastIndex = close.index + fence.length;
  }
  return found;
}

/** Plain text of an item, code spans kept with their backticks. */
function textOf(tokens: readonly Token[]): string {
  return plainText(tokens, { code: (content) => `\`${content}\`` });
}

/** Maps a source offset to a 1-based line and column. */
function locator(source: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}
