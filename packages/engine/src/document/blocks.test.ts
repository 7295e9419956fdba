import { readFileSync, writeFileSync } from 'node:fs';
import * as commonmark from 'commonmark';
import fc from 'fast-check';
import type { Root, RootContent } from 'mdast';
import { chai, describe, expect, it } from 'vitest';
import { inlineDenseDocuments, repoMarkdownFiles, structuralDocuments } from './fixtures/markdown-documents.js';
import { isFenceClosed, parseOutline, sourceOf } from './markdown.js';

// Failures print whole structures: a departure is read from them.
chai.config.truncateThreshold = 0;

type BlockParser = 'markdown-it' | 'micromark';

/** Generated documents per property; `READYBOOK_FUZZ_RUNS=100000` for a longer search. */
const RUNS = Number(process.env.READYBOOK_FUZZ_RUNS ?? 3000);

/** A top-level fence's first line (at most three spaces in); indented code is never executable, so parse.ts reads it as prose. */
const FENCE = /^ {0,3}(?:`{3}|~{3})/;

/**
 * Everything parse.ts reads from an outline: the frontmatter; each step heading (`##`) with its
 * start and text; each top-level code block with its info, value, start and whether it is closed;
 * the source text between them, which is what a step's description is made of (the blocks in it
 * are joined with blank lines, so where one parser sees two blocks and the other one, the page
 * shows the same); and each code block below the top level, which parse.ts refuses if executable.
 */
function outlineView(text: string, blockParser: BlockParser) {
  const { tree, headingText, blockParser: used } = parseOutline(text, undefined, blockParser);
  // The conversion applies to every document here: none falls back to micromark unseen.
  expect(used, JSON.stringify(text)).toBe(blockParser);
  const nested: [number, string | null | undefined][] = [];
  const walk = (node: Root | RootContent, depth: number) => {
    for (const child of 'children' in node ? (node.children as RootContent[]) : []) {
      if (depth > 0 && child.type === 'code') nested.push([child.position?.start.line ?? 0, child.meta]);
      walk(child, depth + 1);
    }
  };
  walk(tree, 0);
  const top: unknown[] = [];
  let prose: { start: number; end: number } | undefined;
  const endProse = () => {
    if (prose) top.push({ prose: text.slice(prose.start, prose.end).trimEnd() });
    prose = undefined;
  };
  for (const node of tree.children) {
    const start = node.position?.start;
    if (node.type === 'yaml') {
      endProse();
      top.push({ yaml: node.value, line: start?.line });
    } else if (node.type === 'heading' && node.depth === 2) {
      endProse();
      top.push({ step: headingText(node), start });
    } else if (node.type === 'code' && FENCE.test(sourceOf(text, node))) {
      endProse();
      top.push({ code: node.lang, meta: node.meta, value: node.value, start, closed: isFenceClosed(node, text) });
    } else {
      prose = { start: prose?.start ?? start?.offset ?? 0, end: node.position?.end.offset ?? 0 };
    }
  }
  endProse();
  return { top, nested };
}

/**
 * The structure that decides a runbook's steps, as CommonMark's reference implementation gives
 * it: each top-level `##` heading and code block by its first line (code with its info string),
 * `prose` for what lies between, and the first line of each code block below the top level.
 */
function commonmarkStructure(text: string) {
  const document = new commonmark.Parser().parse(text);
  const lines = text.split(/\r\n|\r|\n/);
  const top: string[] = [];
  const nested: number[] = [];
  for (let node = document.firstChild; node; node = node.next) {
    const line = node.sourcepos[0][0];
    if (node.type === 'heading' && node.level === 2) top.push(`step@${line}${GFM_INLINE.test(lines.slice(line - 1, node.sourcepos[1][0]).join('\n')) ? '' : plainText(node)}`);
    else if (node.type === 'code_block') top.push(`code ${words(node.info ?? '')}@${line}`);
    else if (top.at(-1) !== 'prose') top.push('prose');
    const walker = node.walker();
    for (let event = walker.next(); event; event = walker.next()) {
      if (event.entering && event.node !== node && event.node.type === 'code_block') nested.push(event.node.sourcepos[0][0]);
    }
  }
  return { top, nested };
}

/** The same structure from an outline. */
function outlineStructure(text: string, blockParser: BlockParser) {
  const { tree, headingText } = parseOutline(text, undefined, blockParser);
  const top: string[] = [];
  for (const node of tree.children) {
    const line = node.position?.start.line ?? 0;
    if (node.type === 'yaml' || node.type === 'definition') continue; // definitions are no blocks in commonmark.js
    if (node.type === 'heading' && node.depth === 2) top.push(`step@${line}${GFM_INLINE.test(sourceOf(text, node)) ? '' : titleText(headingText(node))}`);
    else if (node.type === 'code') top.push(`code ${words([node.lang, node.meta].filter(Boolean).join(' '))}@${line}`);
    else if (top.at(-1) !== 'prose') top.push('prose');
  }
  return { top, nested: outlineView(text, blockParser).nested.map(([line]) => line) };
}

/** GFM literal autolinks, which commonmark.js reads as text and which may take in what follows. */
const GFM_INLINE = /www\.|:\/\/|@/;

/**
 * A step title to compare with commonmark.js's: without footnote calls (text there, nothing in
 * mdast) and tildes (strikethrough marks there, dropped in mdast), line endings as LF.
 */
const titleText = (text: string) => ` ${text.replace(/\[\^[^\]\s]*\]/g, '').replace(/~/g, '').replace(/\r\n?/g, '\n').trim()}`;

/** A heading's plain text as mdast's `toString` gives it: text, code and HTML as written. */
function plainText(heading: commonmark.Node): string {
  let text = '';
  const walker = heading.walker();
  for (let event = walker.next(); event; event = walker.next()) {
    if (event.entering && ['text', 'code', 'html_inline'].includes(event.node.type)) text += event.node.literal ?? '';
    if (event.entering && event.node.type === 'softbreak') text += '\n';
  }
  return titleText(text);
}

const words = (info: string) => info.trim().split(/\s+/).join(' ');

/** An HTML block inside a list item, quote or footnote: micromark's one departure that the judge's structure may not show. */
function hasNestedHtml(node: Root | RootContent, depth = 0): boolean {
  if (depth > 1 && node.type === 'html') return true; // below a child of the root
  return 'children' in node && (node.children as RootContent[]).some((child) => hasNestedHtml(child, depth + 1));
}

/** A footnote definition's start, at the top level. */
const FOOTNOTE_DEFINITION = /^( {0,3})\[\^[^\]\s]+\]:[ \t]?/gm;

/**
 * markdown-it's outline must be micromark's, except where micromark departs from CommonMark: then
 * it must be the structure of commonmark.js, the reference implementation, which micromark's is not.
 * Returns the documents of such departures.
 */
function expectSameOutline(text: string, label: string, departures: string[]) {
  const fast = outlineView(text, 'markdown-it');
  const reference = outlineView(text, 'micromark');
  if (JSON.stringify(fast) === JSON.stringify(reference)) return;
  const yaml = parseOutline(text, undefined, 'micromark').tree.children[0];
  if (/^---[ \t]*(?:[\r\n]|$)/.test(text) && yaml?.type !== 'yaml') {
    // Frontmatter never closed: remark-frontmatter leaves micromark reading the rest wrongly (lists
    // and quotes as paragraphs, fences in list items at the top level). The `---` is a thematic
    // break, as `***` is, which micromark reads rightly: markdown-it must give that outline.
    const asBreak = `***${text.slice(3)}`;
    const swapped = outlineView(asBreak, 'markdown-it');
    const first = swapped.top[0] as { prose?: string } | undefined;
    if (first?.prose !== undefined) first.prose = `---${first.prose.slice(3)}`;
    expect(fast, `${label}: markdown-it reads \`---\` and \`***\` differently`).toEqual(swapped);
    expectSameOutline(asBreak, JSON.stringify(asBreak), []);
    departures.push(text);
    return;
  }
  // commonmark.js knows no frontmatter: it reads the rest with those lines left blank (as spaces,
  // so that a CR and an LF on either side stay two line endings).
  const end = yaml?.type === 'yaml' ? (yaml.position?.end.offset ?? 0) : 0;
  // Nor footnotes: a definition is a container whose lines are indented four columns, as in a list
  // item with three spaces after its marker, which it becomes for commonmark.js (ADR 0013).
  const body = (text.slice(0, end).replace(/[^\r\n]/g, ' ') + text.slice(end)).replace(FOOTNOTE_DEFINITION, '$1-   ');
  const judge = commonmarkStructure(body);
  expect(outlineStructure(text, 'markdown-it'), `${label}: markdown-it differs from micromark and from commonmark.js`).toEqual(judge);
  // micromark departs, or reads HTML in a list item or quote where CommonMark has a lazy line: a
  // footnote there is then defined for one parser only, which only a step title shows (`## [^n]`).
  if (!hasNestedHtml(parseOutline(text, undefined, 'micromark').tree)) {
    expect(outlineStructure(text, 'micromark'), `${label}: micromark and markdown-it differ, and commonmark.js agrees with both`).not.toEqual(judge);
  }
  departures.push(text);
}

describe('parseOutline with markdown-it (blocks.ts) against micromark', () => {
  it('reads the documents where the two parsers disagree as CommonMark does, and as the docs say (ADR 0013)', () => {
    const F = '```';
    const cases: [string, string, { top: string[]; nested: number[] }][] = [
      // markdown-it alone: an HTML block after the definition, which swallows the step.
      ['a definition, then the rest of its paragraph', '[ref]: /u\n</pre>\n## Step two\n', { top: ['prose', 'step@3 Step two'], nested: [] }],
      ['an indented line after a definition, then an underline', '[ref]: /u\n    Title\n---\n', { top: ['step@1 Title'], nested: [] }],
      // micromark: an HTML block in the item, which runs on over the next lines and the step.
      ['a closing tag on a lazy line of a list item', '- item\n</script>\n</pre>\n## Step\n', { top: ['prose', 'step@4 Step'], nested: [] }],
      ['a closing tag on a lazy line of a quote', '> quote\n</pre>\n## Step\n', { top: ['prose', 'step@3 Step'], nested: [] }],
      // micromark: a paragraph, as if the list interrupted one.
      ['a list from 2 after indented code', `    code\n2) ordered\n   ${F}sh run\n`, { top: ['code @1', 'prose'], nested: [3] }],
      // micromark, after `---` never closed: the list is lost and its fence becomes an executable block.
      ['frontmatter never closed', `---\ntitle: x\n- item\n  ${F}sh rollback\n  echo\n  ${F}\n`, { top: ['prose'], nested: [4] }],
      // markdown-it alone: a table whose header row is a heading, or a one-column table with no pipe in its delimiter row.
      ['a heading above a delimiter row', '## a | b\n|---|---|\n', { top: ['step@1 a | b', 'prose'], nested: [] }],
      ['a setext heading with a pipe', 'a|\n---\n', { top: ['step@1 a|'], nested: [] }],
    ];
    for (const [name, text, expected] of cases) {
      expect(outlineStructure(text, 'markdown-it'), name).toEqual(expected);
      expect(commonmarkStructure(text), `${name}: commonmark.js`).toEqual(expected);
    }
    // And where GFM decides, as micromark and cmark-gfm do: any HTML block ends a table.
    const table = 'a|b\n-|-\n</script>\n---\n## Step\n';
    expect(outlineStructure(table, 'markdown-it')).toEqual(outlineStructure(table, 'micromark'));
    expect(outlineStructure(table, 'markdown-it').top).toEqual(['prose']);
  });

  it('gives the same outline for every Markdown file of the repo and the corpus', () => {
    const files = repoMarkdownFiles();
    expect(files.length).toBeGreaterThan(200);
    for (const file of files) {
      const text = readFileSync(file, 'latin1');
      if (text.length > 40_000) continue; // nesting that takes micromark seconds; parse.ts refuses it first
      try {
        outlineView(text, 'micromark');
      } catch {
        continue; // nesting that overflows micromark's stack; parse.ts refuses it first (RB005)
      }
      expect(outlineView(text, 'markdown-it'), file).toEqual(outlineView(text, 'micromark'));
    }
  });

  it('gives micromark’s outline, or CommonMark’s where micromark departs from it, for generated documents of the constructs that disagree most', () => {
    const doc = structuralDocuments(40);
    const departures: string[] = [];
    fc.assert(
      fc.property(doc, (text) => expectSameOutline(text, JSON.stringify(text), departures)),
      { numRuns: RUNS },
    );
    if (process.env.READYBOOK_DEPARTURES) writeFileSync(process.env.READYBOOK_DEPARTURES, `${departures.map((d) => JSON.stringify(d)).join('\n')}\n`);
  });

  it('gives micromark’s outline, or CommonMark’s, for generated documents dense in inline syntax (step titles)', () => {
    const doc = inlineDenseDocuments();
    fc.assert(
      fc.property(doc, (source) => expectSameOutline(source, JSON.stringify(source), [])),
      { numRuns: RUNS },
    );
  });
});
