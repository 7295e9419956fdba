import type { Token } from 'markdown-it';
import { parseInline, parseMarkdown, plainText, type MarkdownDocument } from './markdown.js';

/** A top-level `## ` heading: a step. */
export interface HeadingPart {
  kind: 'heading';
  line: number;
  title: string;
}

/** A top-level fenced code block. */
export interface FencePart {
  kind: 'fence';
  line: number;
  /** The column where the fence starts (1-based). */
  column: number;
  /** The first word of the info string. */
  lang: string;
  /** The other words of the info string. */
  words: string[];
  code: string;
  /** False when the fence runs to the end of the file. */
  closed: boolean;
  /** The opening line as written. */
  opening: string;
  /** The block's source, for a step's description when it is documentation. */
  source: string;
}

/** Any other top-level block (paragraph, list, quote, table, HTML, other headings), by its source. */
export interface ProsePart {
  kind: 'prose';
  line: number;
  source: string;
}

export type Part = HeadingPart | FencePart | ProsePart;

/** Something that looks like a step heading or an executable block but does not parse as one. */
export interface LookAlike {
  line: number;
  column: number;
  message: string;
}

export interface Outline {
  doc: MarkdownDocument;
  parts: Part[];
  /** Fences inside lists or quotes whose info string carries a role word. */
  nestedFences: { line: number; info: string }[];
  lookAlikes: LookAlike[];
}

const ROLE = /(?:^|\s)(?:run|verify|rollback)(?:\s|$)/;
/** A line that reads like the opening of an executable fence: backticks or tildes, a word, a role. */
const FENCE_LIKE = /^\s*(?:`{2,}|~{2,})\s*[\w-]+(?:\s+\S+)*?\s+(?:run|verify|rollback)(?=[\s`]|$)/;
/** `##Title`: an ATX heading needs a space after its `#`s. */
const HEADING_NO_SPACE = /^ {0,3}##(?!#)[^\s#]/;

/**
 * A runbook's outline from markdown-it's block tokens: top-level headings, fences and prose, and the
 * lines that only look like steps or executable blocks (ADR 0018: an ambiguous runbook is refused,
 * never guessed).
 */
export function outline(source: string): Outline {
  const doc = parseMarkdown(source);
  const { tokens, lines } = doc;
  const parts: Part[] = [];
  const nestedFences: Outline['nestedFences'] = [];
  const lookAlikes: LookAlike[] = [];
  /** Lines that belong to code or HTML blocks (checked separately) or to a recognised fence. */
  const code = new Set<number>();
  const cover = (token: Token) => {
    const [start, end] = token.map ?? [0, 0];
    for (let line = start; line < end; line += 1) code.add(line);
  };
  const at = (line: number, message: string) => {
    const text = lines[line] ?? '';
    lookAlikes.push({ line: line + 1, column: text.length - text.trimStart().length + 1, message });
  };

  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    const [start, end] = token.map ?? [0, 0];
    if (token.level > 0) {
      if (token.type === 'fence') {
        cover(token);
        if (ROLE.test(token.info)) nestedFences.push({ line: start + 1, info: token.info });
      } else if (token.type === 'heading_open' && token.tag === 'h2') {
        at(start, 'this `##` heading is inside a list or quote, so it is not a step; start it at the beginning of a line');
      } else if (token.type === 'code_block' || token.type === 'html_block') {
        codeLookAlikes(token);
      }
      continue;
    }
    if (token.nesting === -1) continue;
    const blockSource = lines.slice(start, end).join('\n').trimEnd();
    if (token.type === 'heading_open' && token.tag === 'h2' && token.markup === '##') {
      const inline = tokens[i + 1] as Token;
      parts.push({ kind: 'heading', line: start + 1, title: plainText(parseInline(inline.content, doc.env)) });
      continue;
    }
    if (token.type === 'heading_open' && token.tag === 'h2') {
      at(end - 1, 'a heading underlined with `---` is not a step; write a step as `## Title`, or a rule as `***`');
    }
    if (token.type === 'fence') {
      cover(token);
      const words = token.info.trim().split(/\s+/).filter(Boolean);
      const opening = lines[start] ?? '';
      parts.push({
        kind: 'fence',
        line: start + 1,
        column: opening.length - opening.trimStart().length + 1,
        lang: words[0] ?? '',
        words: words.slice(1),
        // mdast's value, the site's and the journal's: the block's lines without the last line ending.
        code: token.content.endsWith('\n') ? token.content.slice(0, -1) : token.content,
        closed: isClosed(token, lines),
        opening,
        source: blockSource,
      });
      continue;
    }
    if (token.type === 'code_block' || token.type === 'html_block') codeLookAlikes(token);
    parts.push({ kind: 'prose', line: start + 1, source: blockSource });
  }

  function codeLookAlikes(token: Token) {
    const [start, end] = token.map ?? [0, 0];
    for (let line = start; line < end; line += 1) {
      code.add(line);
      if (!FENCE_LIKE.test(lines[line] ?? '')) continue;
      at(line, token.type === 'code_block'
        ? 'this line looks like an executable block but is indented, so it is plain code that never runs; start the fence at the beginning of the line'
        : 'this line looks like an executable block but is inside an HTML block, so it never runs; leave a blank line after the HTML tag');
    }
  }

  const first = doc.frontmatter ? doc.frontmatter.lastLine : 0;
  for (let line = first; line < lines.length; line += 1) {
    if (code.has(line)) continue;
    const text = lines[line] as string;
    if (HEADING_NO_SPACE.test(text)) at(line, 'this line looks like a step heading but has no space after `##`, so it is text; write `## Title`');
    else if (FENCE_LIKE.test(text)) at(line, 'this line looks like an executable block but is not a fence of three or more backticks (or tildes) at the start of a line, so it never runs');
  }
  lookAlikes.sort((a, b) => a.line - b.line);
  return { doc, parts, nestedFences, lookAlikes };
}

/** A fence is closed when its last line is a fence of the same character, at least as long. */
function isClosed(token: Token, lines: readonly string[]): boolean {
  const [start, end] = token.map ?? [0, 0];
  if (end - 1 <= start) return false;
  const closing = (lines[end - 1] ?? '').trim();
  return closing.startsWith(token.markup) && /^(`+|~+)$/.test(closing);
}
