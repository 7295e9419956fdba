import type { Code, Heading, Parent, Root, RootContent } from 'mdast';
import markdownIt from 'markdown-it';
import type { MarkdownIt, StateBlock, Token } from 'markdown-it';
import footnote from 'markdown-it-footnote';

/**
 * A runbook's block structure from markdown-it's block parser, as the mdast tree micromark gives
 * (types, and the positions that parse.ts reads), 5–37× faster (ADR 0013). Where micromark departs
 * from CommonMark, this follows CommonMark. Undefined for what the conversion does not know
 * (closed frontmatter that micromark reads otherwise, an unknown token, nesting at markdown-it's
 * limit): the caller then parses with micromark, which stays the reference.
 *
 * blocks.test.ts holds the two to the same outline on every Markdown file of the repo and on
 * generated documents, with commonmark.js as the judge where they differ.
 */
export function parseBlocks(source: string, frontmatter: (prefix: string) => RootContent | undefined): Root | undefined {
  const lines = lineTable(source);
  const children: RootContent[] = [];
  let body = source;
  if (/^---[ \t]*(?:\r\n|\r|\n|$)/.test(source)) {
    // Frontmatter: micromark (remark-frontmatter) parses it, from the file's first lines only, and
    // markdown-it the rest with those lines left blank so that line numbers hold.
    const close = lines.starts.findIndex((start, line) => line > 0 && /^---[ \t]*$/.test(source.slice(start, lines.ends[line])));
    // Never closed, it is no frontmatter but a thematic break; markdown-it parses it all.
    if (close !== -1) {
      const yaml = frontmatter(source.slice(0, lines.ends[close]));
      if (yaml?.type !== 'yaml' || yaml.position?.end.line !== close + 1) return undefined;
      children.push(yaml);
      const next = lines.starts[close + 1];
      body = '\n'.repeat(close + 1) + (next === undefined ? '' : source.slice(next));
    }
  }
  // markdown-it does not count a last line of only whitespace, without a line ending; micromark does.
  if (/(?:^|[\r\n])[ \t]+$/.test(body)) body += '\n';
  const tokens = parser.parse(body, {});
  return new Converter(source, lines).convert(tokens, children);
}

/** Offsets where each line starts and where its content ends, line endings as micromark counts them (CRLF, CR, LF). */
interface Lines {
  starts: number[];
  ends: number[];
}

function lineTable(text: string): Lines {
  const starts = [0];
  const ends: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      ends.push(i);
      if (c === 13 && text.charCodeAt(i + 1) === 10) i += 1;
      starts.push(i + 1);
    }
  }
  ends.push(text.length);
  return { starts, ends };
}

/**
 * Above the deepest nesting that parse.ts lets through (64 markers on a line, 256 columns of
 * indent): markdown-it stops parsing silently at this depth, so a tree that reaches it is refused.
 */
const MAX_NESTING = 1_000;

const parser = createParser();
const { unescapeAll } = parser.utils;

function createParser(): MarkdownIt {
  const md = markdownIt('commonmark', { maxNesting: MAX_NESTING }).enable('table').use(footnote);
  // Blocks only: definitions kept in place, no inline parsing, no footnote list moved to the end.
  md.core.ruler.disable(['strip_references', 'inline', 'text_join', 'footnote_tail']);
  const rule = (name: string) => {
    const found = (md.block.ruler as unknown as { __rules__: { name: string; fn: BlockRule }[] }).__rules__.find((r) => r.name === name);
    if (!found) throw new Error(`markdown-it has no block rule "${name}"`);
    return found.fn;
  };
  const footnoteDefinition = rule('footnote_def');
  const reference = rule('reference');
  const lheading = rule('lheading');
  const paragraph = rule('paragraph');
  const html = rule('html_block');
  const list = rule('list');
  const table = rule('table');
  const otherStarts = ['fence', 'blockquote', 'hr', 'list', 'html_block', 'heading'].map(rule);

  // The plugin's footnote definitions carry no line map; micromark's can interrupt a list or quote.
  md.block.ruler.at(
    'footnote_def',
    (state, startLine, endLine, silent) => {
      const first = state.tokens.length;
      if (!footnoteDefinition(state, startLine, endLine, silent)) return false;
      const open = state.tokens[first];
      if (!silent && open) open.map = [startLine, state.line];
      return true;
    },
    { alt: ['paragraph', 'reference', 'blockquote', 'list'] },
  );

  // CommonMark takes link reference definitions from the start of a paragraph, and the lines after
  // them stay that paragraph's: `[a]: /u` then `</pre>` then `## Step` is a definition, a paragraph
  // and a heading. markdown-it starts a new block after the definition (an HTML block here, which
  // swallows the heading), so the rest of the paragraph is parsed as one.
  // Nor can a definition run into a setext underline of its paragraph (`[a]:` then `===` is a
  // heading, not a definition of `===`): the underline is found first.
  const definition = (state: StateBlock, startLine: number, endLine: number): boolean => {
    const { length } = state.tokens;
    if (!reference(state, startLine, endLine, false)) return false;
    let underline = startLine + 1;
    while (underline < state.line && !isUnderline(state, underline)) underline += 1;
    if (underline === state.line) return true;
    state.tokens.length = length;
    state.line = startLine;
    const lineMax = state.lineMax;
    state.lineMax = underline;
    try {
      return reference(state, startLine, underline, false);
    } finally {
      state.lineMax = lineMax;
    }
  };
  md.block.ruler.at('reference', (state, startLine, endLine, silent) => {
    if (silent) return reference(state, startLine, endLine, true);
    if (!definition(state, startLine, endLine)) return false;
    while (continuesParagraph(state, state.line, endLine)) {
      if (definition(state, state.line, endLine)) continue;
      const heading = state.tokens.length;
      // The rest may be a setext heading even if indented (lheading would take it for code), which
      // starts, in micromark as in commonmark.js, at the first definition before it.
      const line = state.line;
      const indent = state.sCount[line] as number;
      state.sCount[line] = Math.min(indent, state.blkIndent);
      const isHeading = lheading(state, line, endLine, false);
      state.sCount[line] = indent;
      if (isHeading) (state.tokens[heading]?.map as [number, number])[0] = startLine;
      else paragraph(state, line, endLine, false);
      break;
    }
    return true;
  });

  // A definition is the start of a paragraph: a list item ends it only where it could end one
  // (not empty, from 1 if ordered). markdown-it lets any item end a definition (`[a]:`, `1.`).
  md.block.ruler.at(
    'list',
    (state, startLine, endLine, silent) => {
      if (!silent || state.parentType !== 'reference') return list(state, startLine, endLine, silent);
      state.parentType = 'paragraph';
      try {
        return list(state, startLine, endLine, true);
      } finally {
        state.parentType = 'reference';
      }
    },
    { alt: ['paragraph', 'reference', 'blockquote'] },
  );

  // A table's header row is a line of a paragraph in GFM: a heading or a fence before a delimiter
  // row (`## a | b`, `|---|---|`) stays one; markdown-it tries tables first, and takes any line. And
  // micromark wants a pipe in the delimiter row: `a |` then `---` is a setext heading.
  md.block.ruler.at(
    'table',
    (state, startLine, endLine, silent) =>
      startLine + 1 < endLine &&
      state.src.slice(state.bMarks[startLine + 1], state.eMarks[startLine + 1]).includes('|') &&
      !otherStarts.some((start) => start(state, startLine, endLine, true)) &&
      table(state, startLine, endLine, silent),
    { alt: ['paragraph', 'reference'] },
  );

  // Any HTML block ends a table in micromark, as in cmark-gfm, even one of kind 7 (`</script>`)
  // that cannot end a paragraph; markdown-it would read it as a row, and the lines after with it.
  md.block.ruler.at(
    'html_block',
    (state, startLine, endLine, silent) => {
      if (!silent || state.parentType !== 'table') return html(state, startLine, endLine, silent);
      const { length } = state.tokens;
      const { line } = state;
      const starts = html(state, startLine, endLine, false);
      state.tokens.length = length;
      state.line = line;
      return starts;
    },
    { alt: ['paragraph', 'reference', 'blockquote'] },
  );
  return md;
}

type BlockRule = (state: StateBlock, startLine: number, endLine: number, silent: boolean) => boolean;

/** Is `line` a setext heading underline (`===`, `---`) for a paragraph of this container? */
function isUnderline(state: StateBlock, line: number): boolean {
  const indent = (state.sCount[line] as number) - state.blkIndent;
  if (indent < 0 || indent > 3) return false;
  return /^(?:=+|-+)[ \t]*$/.test(state.src.slice((state.bMarks[line] as number) + (state.tShift[line] as number), state.eMarks[line]));
}

/** Would `line` continue a paragraph that the line before it ends? (markdown-it's own test, in its reference rule.) */
function continuesParagraph(state: StateBlock, line: number, endLine: number): boolean {
  if (line >= endLine || state.isEmpty(line)) return false;
  if (state.sCount[line]! - state.blkIndent > 3 || state.sCount[line]! < 0) return true;
  const terminators = state.md.block.ruler.getRules('paragraph') as unknown as BlockRule[];
  const parentType = state.parentType;
  state.parentType = 'paragraph';
  const ends = terminators.some((terminator) => terminator(state, line, endLine, true));
  state.parentType = parentType;
  return !ends;
}

const CONTAINERS: Record<string, 'blockquote' | 'list' | 'listItem' | 'footnoteDefinition'> = {
  blockquote_open: 'blockquote',
  bullet_list_open: 'list',
  ordered_list_open: 'list',
  list_item_open: 'listItem',
  footnote_reference_open: 'footnoteDefinition',
};

/** HTML blocks of kinds 1–5, which run to the end of the document when their end marker never comes. */
const HTML_UNTIL_MARKER: [RegExp, RegExp][] = [
  [/^<(?:script|pre|style|textarea)(?=[\s>]|$)/i, /<\/(?:script|pre|style|textarea)>/i],
  [/^<!--/, /-->/],
  [/^<\?/, /\?>/],
  [/^<![A-Za-z]/, />/],
  [/^<!\[CDATA\[/, /\]\]>/],
];

interface Point {
  line: number;
  column: number;
  offset: number;
}

class Converter {
  /** The last line, empty after a final line ending. */
  private readonly lastLine: number;
  /** Lines as markdown-it counts them: none after a final line ending. */
  private readonly lineCount: number;

  constructor(
    private readonly source: string,
    private readonly lines: Lines,
  ) {
    this.lastLine = lines.starts.length - 1;
    this.lineCount = this.lastLine + (source.length > (lines.starts[this.lastLine] as number) ? 1 : 0);
  }

  convert(tokens: Token[], children: RootContent[]): Root | undefined {
    const root: Root = { type: 'root', children, position: { start: this.point(0, 0), end: this.point(this.lastLine, this.source.length) } };
    const stack: { node: Parent; quoted: boolean }[] = [{ node: root, quoted: false }];
    for (let i = 0; i < tokens.length; i += 1) {
      const token = tokens[i] as Token;
      if (token.level >= MAX_NESTING - 1) return undefined;
      const top = stack[stack.length - 1] as { node: Parent; quoted: boolean };
      const add = (node: RootContent) => (top.node.children as RootContent[]).push(node);
      const container = CONTAINERS[token.type];
      if (container) {
        const node = { type: container, children: [], position: this.span(token.map) } as unknown as Parent & RootContent;
        // A footnote's label, for the headings that may use it (markdown.ts, inlineHeadingTexts).
        if (container === 'footnoteDefinition') Object.assign(node, { identifier: String(token.meta?.label ?? '') });
        add(node);
        stack.push({ node, quoted: top.quoted || container === 'blockquote' });
        continue;
      }
      if (token.nesting === -1 && !token.type.startsWith('paragraph') && !token.type.startsWith('heading')) {
        const { node } = stack.pop() as { node: Parent };
        // A container ends where its last child does, when that runs further (a fence never closed).
        const last = node.children.at(-1)?.position?.end;
        if (node.position && last && last.offset! > node.position.end.offset!) node.position.end = last;
        continue;
      }
      switch (token.type) {
        case 'paragraph_open':
          add({ type: 'paragraph', children: [], position: this.span(token.map) });
          i += 2; // its inline token and paragraph_close
          break;
        case 'heading_open': {
          const inline = tokens[i + 1] as Token;
          add({ type: 'heading', depth: Number(token.tag.slice(1)) as Heading['depth'], children: [{ type: 'text', value: inline.content }], position: this.span(token.map) });
          i += 2;
          break;
        }
        case 'table_open': {
          add({ type: 'table', children: [], position: this.span(token.map) });
          while (i < tokens.length && (tokens[i] as Token).type !== 'table_close') i += 1;
          break;
        }
        case 'fence':
        case 'code_block':
          add(this.code(token, top.quoted));
          break;
        case 'html_block':
          add({ type: 'html', value: token.content.replace(/\n$/, ''), position: this.span(token.map, { lineStart: true, toEnd: this.htmlUnclosed(token) }) });
          break;
        case 'hr':
          add({ type: 'thematicBreak', position: this.span(token.map) });
          break;
        case 'reference_definition':
          add({ type: 'definition', identifier: String(token.meta?.label ?? ''), url: '', position: this.span(token.map) } as RootContent);
          break;
        default:
          return undefined; // a token this conversion does not know
      }
    }
    return stack.length === 1 ? root : undefined;
  }

  private point(line: number, offset: number): Point {
    return { line: line + 1, column: offset - (this.lines.starts[line] as number) + 1, offset };
  }

  private text(line: number): string {
    return this.source.slice(this.lines.starts[line], this.lines.ends[line]);
  }

  /** The offset of the first character of a line that is not a space or tab (its end if none is). */
  private contentStart(line: number): number {
    const end = this.lines.ends[line] as number;
    let i = this.lines.starts[line] as number;
    while (i < end && (this.source.charCodeAt(i) === 32 || this.source.charCodeAt(i) === 9)) i += 1;
    return i;
  }

  private blank(line: number): boolean {
    return this.contentStart(line) === this.lines.ends[line];
  }

  /**
   * Positions as micromark gives them: from the first non-blank character of the first line (the
   * line start for indented code and HTML) to the end of the last line that is not blank, or to the end of
   * the document for a block that runs on to it.
   */
  private span(map: [number, number] | null, options: { lineStart?: boolean; toEnd?: boolean; blankEnd?: boolean } = {}) {
    const [first, after] = map ?? [0, 0];
    const start = this.point(first, options.lineStart ? (this.lines.starts[first] as number) : this.contentStart(first));
    if (options.toEnd) return { start, end: this.point(this.lastLine, this.source.length) };
    let last = after - 1;
    while (!options.blankEnd && last > first && this.blank(last)) last -= 1;
    return { start, end: this.point(last, this.lines.ends[last] as number) };
  }

  private code(token: Token, quoted: boolean): Code {
    const fenced = token.type === 'fence';
    const map = token.map as [number, number];
    // Split where the source has spaces or tabs, then decoded (`sh&#32;run` is one word), as micromark does.
    const [lang, ...rest] = token.info.replace(/^[ \t]+|[ \t]+$/g, '').split(/[ \t]+/);
    const meta = token.info.replace(/^[ \t]*[^ \t]+[ \t]*/, ''); // trailing whitespace kept, as micromark keeps it
    const closed = fenced && this.fenceClosed(token);
    // A fence never closed runs to the end of the document, except inside a quote (whose lines it needs).
    const toEnd = fenced && !quoted && map[1] === this.lineCount && !closed;
    // A fence's blank lines are its content: it ends on its last line, blank or not.
    const position = fenced ? this.span(map, { toEnd, blankEnd: true }) : this.span(map, { lineStart: true });
    return {
      type: 'code',
      lang: lang ? unescapeAll(lang) : null,
      meta: rest.length > 0 && meta ? unescapeAll(meta) : null,
      // Indented code is never executable, and parse.ts reads it as prose: its value is markdown-it's.
      value: fenced ? this.fencedValue(token, map, closed) : token.content.replace(/\n$/, ''),
      position,
    };
  }

  /** Did markdown-it find a closing fence? Then its content has a line fewer than the lines after the opening one. */
  private fenceClosed(token: Token): boolean {
    const [first, after] = token.map as [number, number];
    const { content } = token;
    const contentLines = content === '' ? 0 : content.split('\n').length - (content.endsWith('\n') ? 1 : 0);
    return contentLines === after - first - 2;
  }

  private htmlUnclosed(token: Token): boolean {
    const [first, after] = token.map as [number, number];
    // markdown-it leaves out trailing lines that are only whitespace; micromark runs on over them.
    for (let line = after; line < this.lineCount; line += 1) if (!this.blank(line)) return false;
    const opening = this.text(first).trimStart();
    const kind = HTML_UNTIL_MARKER.find(([open]) => open.test(opening));
    if (!kind) return false;
    for (let line = first; line < after; line += 1) if (kind[1].test(this.text(line))) return false;
    return true;
  }

  /**
   * A fence's value as mdast-util-from-markdown makes it: its lines with the file's own line
   * endings, the one after the opening fence and the one after the last line included, then one
   * line ending taken off each end (so `\r` then `\n` around an empty last line go as one CRLF).
   */
  private fencedValue(token: Token, [opening, after]: [number, number], closed: boolean): string {
    const contentEnd = closed ? after - 1 : Math.min(after, this.lastLine + 1);
    const count = contentEnd - (opening + 1);
    const parts = count > 0 ? token.content.replace(/\n$/, '').split('\n') : [];
    let raw = this.ending(opening);
    parts.forEach((part, i) => {
      raw += part + this.ending(opening + 1 + i);
    });
    return raw.replace(/^(?:\r?\n|\r)|(?:\r?\n|\r)$/g, '');
  }

  /** The line ending after a line, as written; empty after the last. */
  private ending(line: number): string {
    return line >= this.lastLine ? '' : this.source.slice(this.lines.ends[line], this.lines.starts[line + 1]);
  }
}
