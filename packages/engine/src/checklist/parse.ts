import { basename } from 'node:path';
import { checklistFrontmatterSchema } from '@readybook/schema';
import type { Heading, InlineCode, ListItem, Nodes, Paragraph, PhrasingContent, Root } from 'mdast';
import { parseDocument } from 'yaml';
import { lineCountProblem, MAX_CHECKLIST_LINES, nestingProblem, parseMarkdown } from '../document/markdown.js';
import { parseCheckSpan } from './check-syntax.js';
import { diagnostic, hasErrors } from './diagnostics.js';
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
    return { diagnostics: [diagnostic(file, { line: deep.line, column: 1 }, 'CL025', deep.message, 'flatten the nested items: a checklist item nested this deep is not a checklist')] };
  }
  const long = lineCountProblem(source, MAX_CHECKLIST_LINES);
  if (long) {
    return { diagnostics: [diagnostic(file, { line: long.line, column: 1 }, 'CL026', long.message, `split the checklist: a checklist has at most ${MAX_CHECKLIST_LINES.toLocaleString('en-US')} lines`)] };
  }
  const tree = parseMarkdown(source) as Root;
  const locate = locator(source);

  const yamlNode = tree.children[0]?.type === 'yaml' ? tree.children[0] : undefined;
  const frontmatter = readFrontmatter(yamlNode?.value, file, diagnostics);

  const sections: ChecklistSection[] = [];
  for (const node of tree.children) {
    if (node.type === 'heading' && node.depth === 2) {
      sections.push({ title: textOf(node.children).trim(), line: node.position!.start.line, items: [] });
      continue;
    }
    for (const item of taskItems(node)) {
      const parsed = readItem(item, source, file, locate, diagnostics);
      if (!parsed) continue;
      const section = sections.at(-1);
      if (!section) {
        diagnostics.push(diagnostic(file, parsed, 'CL020', 'this item is not under a `##` section', 'put a `## Section` heading above the first item'));
        continue;
      }
      section.items.push(parsed);
    }
  }

  const items = sections.flatMap((s) => s.items);
  if (items.length === 0) {
    diagnostics.push(diagnostic(file, { line: 1, column: 1 }, 'CL023', 'the checklist has no task items', 'write items as `- [ ] text` under `##` sections', 'warning'));
  }
  if (options.runbooks) {
    for (const item of items) {
      const check = item.check;
      if ((check.kind === 'evidence' || check.kind === 'measure') && !options.runbooks.includes(check.runbook)) {
        diagnostics.push(
          diagnostic(file, item, 'CL024', `no runbook \`${check.runbook}\` in runbooks/`, `runbooks here: ${options.runbooks.join(', ') || 'none'}`, 'warning'),
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
    diagnostics.push(diagnostic(file, { line: 1, column: 1 }, 'CL001', 'the checklist has no frontmatter', 'start the file with `---`, `title:`, `gate:`, `owner:` and `---`'));
    return undefined;
  }
  const doc = parseDocument(yaml);
  // Frontmatter starts on line 2, after the opening `---`.
  const lineOf = (offset: number) => yaml.slice(0, offset).split('\n').length + 1;
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      diagnostics.push(diagnostic(file, { line: lineOf(error.pos[0]), column: 1 }, 'CL002', error.message.split('\n')[0]!, 'check the indentation and quoting of the YAML'));
    }
    return undefined;
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    // An alias bomb (or a bad alias) is a YAML error, not a crash.
    diagnostics.push(diagnostic(file, { line: 2, column: 1 }, 'CL002', (error as Error).message, 'check the indentation and quoting of the YAML'));
    return undefined;
  }
  const result = checklistFrontmatterSchema.safeParse(data ?? {});
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const key = issue.path[0];
    const node = typeof key === 'string' ? doc.getIn([key], true) : undefined;
    const range = (node as { range?: [number, number] } | undefined)?.range;
    const field = typeof key === 'string' ? `\`${key}\`` : 'frontmatter';
    const hint = issue.code === 'unrecognized_keys' ? 'fields are title, gate, owner, description, tags and max-age' : undefined;
    diagnostics.push(diagnostic(file, { line: range ? lineOf(range[0]) : 2, column: 1 }, 'CL003', `${field}: ${issue.message}`, hint));
  }
  return undefined;
}

function readItem(
  item: ListItem,
  source: string,
  file: string,
  locate: (offset: number) => { line: number; column: number },
  diagnostics: Diagnostic[],
): ChecklistItem | undefined {
  const at = { line: item.position!.start.line, column: item.position!.start.column };
  const paragraph = item.children.find((c): c is Paragraph => c.type === 'paragraph');
  const inline = paragraph ? [...paragraph.children] : [];
  while (inline.length > 0 && inline.at(-1)!.type === 'text' && textOf([inline.at(-1)!]).trim() === '') inline.pop();

  let check: ChecklistItem['check'] = { kind: 'manual', advisory: false };
  let source_: string | undefined;
  const last = inline.at(-1);
  if (last?.type === 'inlineCode') {
    const { text, offset } = spanText(last, source);
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
  if (signOff.error) diagnostics.push(diagnostic(file, at, 'CL022', signOff.error, 'write a sign-off as `— signed: alice (security-lead) 2026-11-20`'));
  if (item.checked && check.kind !== 'manual') {
    diagnostics.push(
      diagnostic(file, at, 'CL021', 'the box of an automated item is ticked', 'leave it `[ ]`: its check decides, and the tick is ignored', 'warning'),
    );
  }
  return {
    text: signOff.text,
    checked: item.checked === true,
    ...at,
    check,
    ...(source_ ? { source: source_ } : {}),
    ...(signOff.signedBy ? { signedBy: signOff.signedBy, signedAt: signOff.signedAt } : {}),
    ...(signOff.role ? { role: signOff.role } : {}),
  };
}

/** The code span's text as written (between its backtick fences) and the file offset of its first character. */
function spanText(node: InlineCode, source: string): { text: string; offset: number } {
  const start = node.position!.start.offset!;
  const end = node.position!.end.offset!;
  const raw = source.slice(start, end);
  const fence = /^`+/.exec(raw)![0].length;
  return { text: raw.slice(fence, raw.length - fence), offset: start + fence };
}

/** Task-list items (GFM `- [ ]` / `- [x]`) anywhere under a node, nested ones included, in document order. */
function taskItems(node: Nodes): ListItem[] {
  if (node.type === 'heading') return [];
  const found: ListItem[] = [];
  if (node.type === 'listItem' && typeof node.checked === 'boolean') found.push(node);
  if ('children' in node) for (const child of node.children as Nodes[]) found.push(...taskItems(child));
  return found;
}

function textOf(nodes: readonly (PhrasingContent | Heading['children'][number])[]): string {
  return nodes
    .map((n) => ('value' in n && typeof n.value === 'string' ? (n.type === 'inlineCode' ? `\`${n.value}\`` : n.value) : 'children' in n ? textOf(n.children) : ''))
    .join('');
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
