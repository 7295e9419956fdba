import type { Code, Definition, FootnoteDefinition, Heading, Parent, Root, RootContent } from 'mdast';
import { toString } from 'mdast-util-to-string';
import type { Node } from 'unist';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { type Data, type Processor, unified } from 'unified';
import { parseBlocks } from './blocks.js';

/**
 * The inline constructs of CommonMark and GFM, by their micromark names. Character escapes and
 * references are not among them: fence info strings (`sh run`) use them too.
 */
const INLINE_CONSTRUCTS = [
  'attention',
  'autolink',
  'codeText',
  'hardBreakEscape',
  'htmlText',
  'labelStartImage',
  'labelStartLink',
  'labelEnd',
  'wwwAutolink',
  'protocolAutolink',
  'emailAutolink',
  'strikethrough',
  'gfmFootnoteCall',
  'gfmPotentialFootnoteCall',
];

/**
 * A remark plugin, used after remark-gfm, that leaves inline syntax unparsed: paragraphs and
 * headings keep their text as text.
 */
function blocksOnly(this: Processor) {
  const data = this.data();
  (data.micromarkExtensions ??= []).push({ disable: { null: INLINE_CONSTRUCTS } });
  // Tree transforms: GFM's only one finds literal autolinks in text, a tenth of a large parse.
  data.fromMarkdownExtensions = (data.fromMarkdownExtensions ?? []).map(withoutTransforms);
}

type FromMarkdownExtension = NonNullable<Data['fromMarkdownExtensions']>[number];
function withoutTransforms(extension: FromMarkdownExtension): FromMarkdownExtension {
  return Array.isArray(extension) ? extension.map((one) => ({ ...one, transforms: [] })) : { ...extension, transforms: [] };
}

const fullProcessor = unified().use(remarkParse).use(remarkFrontmatter, ['yaml']).use(remarkGfm);
const blockOnlyProcessor = unified().use(remarkParse).use(remarkFrontmatter, ['yaml']).use(remarkGfm).use(blocksOnly);

/** A Markdown parser, and whether it parses inline syntax (which definitions elsewhere can change). */
type Parser = { parse(source: string): Root; inline: boolean };
const processor: Parser = { parse: (source) => fullProcessor.parse(source), inline: true };
const blockProcessor: Parser = { parse: (source) => blockOnlyProcessor.parse(source), inline: false };

/** Quote and list markers at the start of one line; deeper nesting makes the Markdown parser slow and memory-hungry. */
const MAX_NESTING = 64;
/** Leading columns of one line (a list nested 128 deep): a 20 KB file can otherwise take seconds and a gigabyte to parse. */
const MAX_INDENT = 256;
const NESTING_PREFIX = /^(?:[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])))*[ \t]*/;

/**
 * Nesting deep enough to make micromark slow and memory-hungry (a 20 KB file of `>` took seconds and a
 * gigabyte): runbooks (RB005) and checklists (CL025) refuse it before parsing.
 */
export function nestingProblem(text: string): { line: number; message: string } | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const prefix = NESTING_PREFIX.exec(lines[i] as string)?.[0] ?? '';
    if (prefix.length <= MAX_NESTING) continue;
    const markers = (prefix.match(/>|[-*+\d]+[.)]?(?=[ \t])/g) ?? []).length;
    const columns = prefix.replace(/\t/g, '    ').length;
    if (markers > MAX_NESTING) return { line: i + 1, message: `${markers} nested quotes or list items on one line; the limit is ${MAX_NESTING}` };
    if (columns > MAX_INDENT) return { line: i + 1, message: `the line is indented ${columns} columns; the limit is ${MAX_INDENT}` };
  }
  return undefined;
}

/**
 * Lines of one runbook. micromark spends 40–150 µs on each line of dense Markdown on Node 20 (a list
 * item or a table row the most, and a whole list is one block that sections cannot split), so a
 * 1 MiB list of 260,000 items took 50 s and 3.6 GB to parse. A 5,000-step runbook has about 35,000
 * lines.
 */
export const MAX_LINES = 40_000;

/**
 * Lines of one checklist. Checklists are parsed whole with inline syntax (their checks are inline
 * code): on Node 20, 40,000 task items took 8 s and 820 MB to reject and 2,000 took 1.2 s, while
 * 1,000 lines of the slowest kinds (task items, literal autolinks, footnotes) are answered in
 * 0.6–0.9 s, start-up included. A go/no-go list is read by people; the repo's longest has 90 lines.
 */
export const MAX_CHECKLIST_LINES = 1_000;

/** More lines than `limit`: runbooks (RB006, MAX_LINES) and checklists (CL026, MAX_CHECKLIST_LINES) refuse them before parsing. */
export function lineCountProblem(text: string, limit = MAX_LINES): { line: number; message: string } | undefined {
  const lines = countLineEndings(text) + (/[\r\n]$/.test(text) ? 0 : 1);
  if (lines <= limit) return undefined;
  return { line: limit + 1, message: `the file has ${lines.toLocaleString('en-US')} lines; the limit is ${limit.toLocaleString('en-US')}` };
}

/** Documents larger than this are parsed in sections (see parseInSections). */
export const SECTION_BYTES = 4 * 1024;

/**
 * Parses Markdown (CommonMark + GFM + YAML frontmatter) into an mdast tree with positions.
 *
 * A large document is parsed a few kilobytes at a time, cut only before a heading or paragraph
 * after a blank line (see sectionStarts), and the trees joined: micromark
 * keeps every event of a document alive until it builds the tree, so one 250 KB parse spends much
 * of its time in the garbage collector and grows faster than the text (5,000 steps: 1.4 s whole
 * against 0.65 s in sections on Node 24; 2.3 s against 1.2–1.5 s on Node 20). The result is the
 * same tree, positions included; where that cannot be guaranteed the document is parsed whole.
 */
export function parseMarkdown(source: string, sectionBytes = SECTION_BYTES): Root {
  return parseWith(processor, source, sectionBytes);
}

function parseWith(parser: Parser, source: string, sectionBytes: number): Root {
  if (source.length <= sectionBytes) return parser.parse(source);
  return parseInSections(parser, source, sectionBytes) ?? parser.parse(source);
}

/** The frontmatter node that micromark makes of a document's first lines, if they are frontmatter. */
function frontmatterNode(prefix: string): RootContent | undefined {
  return blockProcessor.parse(prefix).children[0];
}

/** A runbook's blocks, and the plain text of its top-level headings. */
export interface Outline {
  /** The blocks, with the positions that parse.ts reads; paragraphs' inline syntax is left unparsed. */
  tree: Root;
  /** The plain text of a top-level heading of `tree`, as `toString` gives it from a whole parse. */
  headingText(node: Heading): string;
  /** Which parser gave the blocks: markdown-it (blocks.ts), or micromark where its conversion does not apply. */
  blockParser: 'markdown-it' | 'micromark';
}

/**
 * Characters that may start inline syntax whose plain text differs from its source, and `&`: a
 * character reference inside a GFM literal autolink stays as written, as text it is decoded.
 */
const INLINE_SYNTAX = /[\\`*_[\]!<~&]/;

/** A setext heading of two lines or more (two line endings, the underline's included), which micromark joins as written (CR included, indent dropped). */
const SETEXT = /(?:\r\n?|\n)[^]*(?:\r\n?|\n)/;

/**
 * Parses a runbook's block structure: headings, fences, lists, quotes, tables, HTML blocks. Steps
 * depend on nothing else. markdown-it's block parser does it (blocks.ts, ADR 0013): 5–37× faster
 * than micromark, which a large or hostile file would otherwise keep busy for
 * seconds. micromark, with inline syntax left unparsed, parses what markdown-it's conversion does
 * not know (never seen in the repo or in blocks.test.ts's generated documents), and `blockParser`
 * picks it for tests. Headings with inline syntax are parsed again by micromark, together, for
 * their plain text, as the site renders them.
 */
export function parseOutline(source: string, sectionBytes = SECTION_BYTES, blockParser: 'markdown-it' | 'micromark' = 'markdown-it'): Outline {
  const fast = blockParser === 'markdown-it' ? parseBlocks(source, frontmatterNode) : undefined;
  const tree = fast ?? parseWith(blockProcessor, source, sectionBytes);
  // On micromark's tree, a heading not parsed again as one (never seen) has the file parsed whole.
  const texts = inlineHeadingTexts(source, tree, !fast);
  if (!texts) return { tree: parseMarkdown(source, sectionBytes), headingText: (node) => toString(node), blockParser: 'micromark' };
  return { tree, headingText: (node) => texts.get(node) ?? toString(node), blockParser: fast ? 'markdown-it' : 'micromark' };
}

/**
 * The plain text of every top-level heading with inline syntax, from one parse of those headings
 * alone, blank lines between: each is a top-level heading there as in the file. If one may use a
 * reference (`## [the tool][ref]`), the file's definitions follow them, by identifier. Setext headings
 * of two lines or more are parsed again too: micromark keeps CR endings in their text and drops
 * each line's indent. A heading that this parse does not give as one keeps the tree's own text, or,
 * if `strict`, the result is undefined (never seen; the caller then parses the file whole).
 */
function inlineHeadingTexts(source: string, tree: Root, strict: boolean): Map<Heading, string> | undefined {
  const texts = new Map<Heading, string>();
  const headings: Heading[] = [];
  const parts: string[] = [];
  for (const node of tree.children) {
    if (node.type !== 'heading') continue;
    const part = sourceOf(source, node);
    if (!INLINE_SYNTAX.test(part) && !SETEXT.test(part)) continue;
    headings.push(node);
    parts.push(part);
  }
  if (headings.length === 0) return texts;
  const starts: number[] = [];
  let offset = 0;
  for (const part of parts) {
    starts.push(offset);
    offset += part.length + 2;
  }
  if (parts.some((part) => part.includes('['))) parts.push(...definitionsOf(tree));
  // Each part's heading is the one parsed within it: a setext heading's source may start with the
  // definitions before it (`[a]: /u`, `Title`, `===`).
  const parsed = parseMarkdown(parts.join('\n\n')).children.filter((node): node is Heading => node.type === 'heading');
  let next = 0;
  for (let i = 0; i < headings.length; i += 1) {
    const end = (starts[i] as number) + (parts[i] as string).length;
    const within: Heading[] = [];
    while (next < parsed.length && ((parsed[next] as Heading).position?.start.offset ?? 0) < end) within.push(parsed[next++] as Heading);
    if (within.length === 1) texts.set(headings[i] as Heading, toString(within[0] as Heading));
    else if (strict) return undefined;
    else texts.set(headings[i] as Heading, toString(headings[i] as Heading));
  }
  return texts;
}

/** A stand-in for every link and footnote definition of the tree: its identifier is all a reference needs. */
function definitionsOf(node: Node, found: string[] = []): string[] {
  if (node.type === 'definition') found.push(`[${(node as Definition).identifier}]: x`);
  if (node.type === 'footnoteDefinition') found.push(`[^${(node as FootnoteDefinition).identifier}]: x`);
  if (node.type === 'root' || BLOCK_CONTAINERS.has(node.type)) {
    for (const child of (node as Parent).children) definitionsOf(child, found);
  }
  return found;
}

/** The source text of a node, from its positions. */
export function sourceOf(source: string, node: Node): string {
  return source.slice(node.position?.start.offset ?? 0, node.position?.end.offset ?? 0);
}

/**
 * Where a section may start: a line at column 0, after a blank line, that starts with `#` or an
 * ASCII letter (an ATX heading or a paragraph). After a blank line such a line always ends the
 * blocks before it (paragraphs, lists, quotes, tables, footnotes, indented code, HTML blocks of
 * kinds 6 and 7), except a fenced code block or an HTML block of kinds 1–5, which parseInSections
 * checks for in the parsed tree itself. A list marker, `>` or indentation there could continue a
 * list or start something else, so those lines never start a section.
 */
function sectionStarts(source: string, sectionBytes: number): number[] {
  const starts: number[] = [];
  let last = 0;
  let index = source.indexOf('\n', sectionBytes - 1);
  while (index !== -1) {
    const lineStart = index + 1;
    if (lineStart - last >= sectionBytes && SECTION_START.test(source.charAt(lineStart)) && previousLineBlank(source, index)) {
      starts.push(lineStart);
      last = lineStart;
      index = source.indexOf('\n', last + sectionBytes - 1);
    } else {
      index = source.indexOf('\n', lineStart);
    }
  }
  return starts;
}

const SECTION_START = /^[#A-Za-z]$/;

/** Is the line that ends at `newline` (the offset of its `\n`) empty or whitespace? */
function previousLineBlank(source: string, newline: number): boolean {
  for (let i = newline - 1; i >= 0; i -= 1) {
    const c = source.charCodeAt(i);
    if (c === 10) return true; // reached the line before: blank
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/**
 * A link or footnote definition anywhere may be used in another section, which would change how
 * that section's inline syntax parses: with inline syntax on, such documents are parsed whole. (A
 * conservative look at line starts, not a parse: a false alarm only costs speed.)
 */
const DEFINITION = /^ {0,3}\[[^\]\n]*\]:/m;

function parseInSections(parser: Parser, source: string, sectionBytes: number): Root | undefined {
  if (parser.inline && DEFINITION.test(source)) return undefined;
  const starts = [0, ...sectionStarts(source, sectionBytes)];
  if (starts.length === 1) return undefined;
  const children: RootContent[] = [];
  let line = 1;
  for (let i = 0; i < starts.length; i += 1) {
    const start = starts[i] as number;
    const end = starts[i + 1] ?? source.length;
    const text = source.slice(start, end);
    const tree = parser.parse(text);
    const last = tree.children.at(-1);
    // Only documents that open with closed frontmatter, as runbooks do: an unclosed `---` at the top
    // makes micromark parse the rest of a whole document differently.
    if (i === 0 && tree.children[0]?.type !== 'yaml') return undefined;
    // A section must start with its first line's block and, unless it is the last, end with every block closed.
    if (i > 0 && tree.children[0]?.position?.start.offset !== 0) return undefined;
    if (i < starts.length - 1 && last && !closedBefore(last, text)) return undefined;
    if (i > 0) shift(tree, line - 1, start);
    children.push(...tree.children);
    line += countLineEndings(text);
  }
  return { type: 'root', children, position: { start: { line: 1, column: 1, offset: 0 }, end: endPoint(source) } };
}

/**
 * False when the section's last block, or the last block inside it (a fence in a list item), may
 * run on into the next section: a section's end would close it where the whole document does not.
 */
function closedBefore(node: RootContent, text: string): boolean {
  if (node.type === 'html') return !HTML_ACROSS_BLANK_LINES.test(node.value.trimStart());
  if (node.type === 'code') return isFenceClosed(node, text);
  if (!BLOCK_CONTAINERS.has(node.type) || !('children' in node)) return true;
  const last = node.children.at(-1) as RootContent | undefined;
  return last === undefined || closedBefore(last, text);
}

/** Blocks whose last child is a block, which may itself run on. */
const BLOCK_CONTAINERS = new Set(['blockquote', 'list', 'listItem', 'footnoteDefinition']);
/** HTML blocks of kinds 1–5 (`<pre`, `<script`, `<style`, `<textarea`, `<!--`, `<?`, `<!X`, `<![CDATA[`) end at their end marker, not at a blank line. */
const HTML_ACROSS_BLANK_LINES = /^<(?:(?:pre|script|style|textarea)(?:[\s>]|$)|[!?])/i;

/** A fenced block is closed when its last line is a fence of the same character, at least as long. */
export function isFenceClosed(node: Code, text: string): boolean {
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  if (start === undefined || end === undefined) return true;
  const lines = text.slice(start, end).split(/\r?\n/);
  const opening = /^\s*(`{3,}|~{3,})/.exec(lines[0] ?? '');
  if (!opening) return true; // indented code: ends at the first line with less indent
  if (lines.length < 2) return false;
  const closing = (lines.at(-1) ?? '').trim();
  return closing.startsWith(opening[1] as string) && /^(`+|~+)$/.test(closing);
}

function shift(node: Node, lines: number, offset: number): void {
  const { position } = node;
  if (position) {
    position.start = { line: position.start.line + lines, column: position.start.column, offset: (position.start.offset ?? 0) + offset };
    position.end = { line: position.end.line + lines, column: position.end.column, offset: (position.end.offset ?? 0) + offset };
  }
  const kids = (node as { children?: Node[] }).children;
  if (kids) for (const child of kids) shift(child, lines, offset);
}

/** Line endings as micromark counts them: CRLF, CR and LF are one each. */
function countLineEndings(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 10) n += 1;
    else if (c === 13) {
      n += 1;
      if (text.charCodeAt(i + 1) === 10) i += 1;
    }
  }
  return n;
}

function endPoint(source: string): { line: number; column: number; offset: number } {
  const lastEnding = Math.max(source.lastIndexOf('\n'), source.lastIndexOf('\r'));
  return { line: countLineEndings(source) + 1, column: source.length - lastEnding, offset: source.length };
}
