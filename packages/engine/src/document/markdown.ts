import markdownIt from 'markdown-it';
import type { Token } from 'markdown-it';

/**
 * The one Markdown parser of the engine: markdown-it, read through its own tokens (ADR 0018).
 * Runbooks and checklists need only their block structure (top-level `##` headings, fences and
 * their info strings, list items), so the core `inline` rule is off and inline syntax is parsed on
 * demand, for the few inline tokens that matter (step titles, checklist items). HTML blocks are on,
 * as on the site, so that a fence-like line inside `<details>` stays HTML.
 */
const md = markdownIt({ html: true, linkify: false, typographer: false });
md.core.ruler.disable(['inline', 'linkify', 'replacements', 'smartquotes', 'text_join']);
/** The same parser with inline syntax on, for the inline content that is read. */
const inline = markdownIt({ html: true, linkify: false, typographer: false });

/** A document's text with line endings as `\n`, and its frontmatter split off. */
export interface MarkdownDocument {
  /** The text, line endings normalised to `\n` (as markdown-it reads it). */
  text: string;
  /** The lines of `text`, 0-based. */
  lines: string[];
  /** The YAML between the opening and closing `---`, when the file starts with closed frontmatter. */
  frontmatter?: { yaml: string; firstLine: number; lastLine: number };
  /** markdown-it's block tokens of the text after the frontmatter; `map` lines are 0-based lines of `text`. */
  tokens: Token[];
  /** markdown-it's environment (link reference definitions), for parsing inline content. */
  env: Record<string, unknown>;
}

/**
 * Parses Markdown into block tokens. Frontmatter is the first line `---` up to the next line `---`,
 * as the site reads it; its lines are left blank for markdown-it, so that token lines stay the file's lines.
 * An opening `---` that is never closed is not frontmatter (markdown-it reads a thematic break).
 */
export function parseMarkdown(source: string): MarkdownDocument {
  const { text, lines, frontmatter, body } = splitFrontmatter(source);
  const env: Record<string, unknown> = {};
  const tokens = md.parse(body, env);
  return { text, lines, ...(frontmatter ? { frontmatter } : {}), tokens, env };
}

/** A document's lines (endings normalised to `\n`), its frontmatter, and the text after it with the frontmatter's lines blank. */
export function splitFrontmatter(source: string): Pick<MarkdownDocument, 'text' | 'lines' | 'frontmatter'> & { body: string } {
  const text = source.includes('\r') ? source.replace(/\r\n?/g, '\n') : source;
  const lines = text.split('\n');
  if (/^---[ \t]*$/.test(lines[0] ?? '')) {
    const close = lines.findIndex((line, i) => i > 0 && /^---[ \t]*$/.test(line));
    if (close !== -1) {
      const body = '\n'.repeat(close + 1) + lines.slice(close + 1).join('\n');
      return { text, lines, frontmatter: { yaml: lines.slice(1, close).join('\n'), firstLine: 2, lastLine: close + 1 }, body };
    }
  }
  return { text, lines, body: text };
}

/** The inline tokens of one inline token's content (link references resolved from `env`). */
export function parseInline(content: string, env: Record<string, unknown>): Token[] {
  return inline.parseInline(content, env)[0]?.children ?? [];
}

/**
 * The plain text of inline tokens, as a reader sees it: text, code spans' text, links' and images'
 * text; emphasis marks, HTML tags and line breaks dropped (breaks become spaces).
 */
export function plainText(tokens: readonly Token[], options: { code?: (content: string) => string } = {}): string {
  let out = '';
  for (const token of tokens) {
    if (token.type === 'text') out += token.content;
    else if (token.type === 'code_inline') out += options.code ? options.code(token.content) : token.content;
    else if (token.type === 'softbreak' || token.type === 'hardbreak') out += ' ';
    else if (token.type === 'image') out += plainText(token.children ?? [], options);
  }
  return out;
}

/** The source lines of a block token (its `map`), joined. */
export function sourceLines(doc: MarkdownDocument, token: Token): string {
  const [start, end] = token.map ?? [0, 0];
  return doc.lines.slice(start, end).join('\n');
}

/**
 * Quote and list markers at the start of one line. markdown-it stops nesting at its own limit
 * (`maxNesting`, 100) and renders the rest as text; past this limit a runbook or checklist is not
 * a document a person wrote, and it is refused with a clear error instead (RB005, CL025).
 */
const MAX_NESTING = 64;
/** Leading columns of one line: a list nested 128 deep. */
const MAX_INDENT = 256;
const NESTING_PREFIX = /^(?:[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])))*[ \t]*/;

/** Nesting deeper than any document a person writes: runbooks (RB005) and checklists (CL025) refuse it. */
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

/** Lines of one runbook: a 5,000-step runbook has about 35,000 (the reasons and figures: ADR 0018). */
export const MAX_LINES = 40_000;

/** Lines of one checklist: a go/no-go list is read by people; the repo's longest has under 100. */
export const MAX_CHECKLIST_LINES = 1_000;

/** More lines than `limit`: runbooks (RB006, MAX_LINES) and checklists (CL026, MAX_CHECKLIST_LINES) refuse them before parsing. */
export function lineCountProblem(text: string, limit = MAX_LINES): { line: number; message: string } | undefined {
  let lines = 1;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 10) lines += 1;
    else if (c === 13) {
      lines += 1;
      if (text.charCodeAt(i + 1) === 10) i += 1;
    }
  }
  if (/[\r\n]$/.test(text)) lines -= 1;
  if (lines <= limit) return undefined;
  return { line: limit + 1, message: `the file has ${lines.toLocaleString('en-US')} lines; the limit is ${limit.toLocaleString('en-US')}` };
}
