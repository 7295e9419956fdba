import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { Heading, Root } from 'mdast';
import { toString } from 'mdast-util-to-string';
import type { Node } from 'unist';
import { describe, expect, it } from 'vitest';
import { inlineDenseDocuments, repoMarkdownFiles, structuralDocuments } from './fixtures/markdown-documents.js';
import { parseMarkdown, parseOutline } from './markdown.js';

/** The tree of one whole parse: the reference that a parse in sections must equal exactly. */
const whole = (text: string) => parseMarkdown(text, Number.POSITIVE_INFINITY);
/** Sections as small as possible, so that every eligible heading starts one. */
const sectioned = (text: string) => parseMarkdown(text, 1);

describe('parseMarkdown in sections', () => {
  it('gives the same tree, positions included, for every runbook, checklist, ADR and corpus file of the repo', () => {
    const files = repoMarkdownFiles();
    expect(files.length).toBeGreaterThan(200);
    for (const file of files) {
      const text = readFileSync(file, 'latin1');
      // A few corpus files are 50–160 KB of nesting that takes micromark seconds; the engine refuses them first.
      if (text.length > 40_000) continue;
      let reference;
      try {
        reference = whole(text);
      } catch {
        // Nesting deep enough to overflow the parser's stack (parse.ts refuses it first, RB005).
        expect(() => sectioned(text), file).toThrow();
        continue;
      }
      expect(sectioned(text), file).toEqual(reference);
    }
  });

  it('never splits inside a fence or an HTML block that a `##` line would otherwise end', () => {
    const cases = [
      '---\ntitle: C\n\n## S\n\n- [ ] item\n',
      '# T\n\n```sh\necho\n\n## not a step\n```\n\n## real\n',
      '# T\n\n~~~~\n\n## inside\n~~~\n\n## still inside\n~~~~\n\n## real\n',
      '# T\n\n<pre>\n\n## inside pre\n</pre>\n\n## real\n',
      '# T\n\n<!--\n\n## commented out\n-->\n\n## real\n',
      '# T\n\n<div>\n\n## after div\n\n</div>\n',
      '# T\n\n- item\n\n  ```sh\n  code\n\n## ends the list\n',
      '# T\n\n> ```\n> quoted\n\n## ends the quote\n',
      '# T\n\n```sh\nnever closed\n\n## swallowed\n',
      '# T\n\nsee [the guide]\n\n## x\n\n[the guide]: https://example.com\n',
      '# T\n\na[^1]\n\n## y\n\n[^1]: note\n',
      '# T\r\n\r\n## crlf\r\n\r\ntext\r\n\r\n## two\r\n',
      '# T\r\rlone cr\r\r## a\r\r## b\r',
      '---\ntitle: x\n---\n\n## one\n\n| a |\n|---|\n| b |\n\n## two\n',
    ];
    // Sections are only made after closed frontmatter, so each case is tried with and without it.
    for (const body of cases) {
      for (const text of [body, `---\ntitle: x\n---\n\n${body}`, `---\r\ntitle: x\r\n---\r\n\r\n${body}`]) {
        expect(sectioned(text), JSON.stringify(text)).toEqual(whole(text));
      }
    }
    // And sections are really made: the tree of a long runbook is joined from several parses.
    const long = `---\ntitle: x\n---\n\n${Array.from({ length: 3000 }, (_, i) => `## Step ${i}\n\ntext\n`).join('\n')}`;
    expect(parseMarkdown(long)).toEqual(whole(long));
  });

  it('gives the same tree for generated documents mixing the constructs that could span sections', () => {
    const doc = structuralDocuments(60);
    fc.assert(
      fc.property(doc, (text) => {
        expect(sectioned(text)).toEqual(whole(text));
      }),
      { numRuns: 1500 },
    );
  });
});

/** Nodes whose children are blocks; below the others (paragraphs, headings, cells) is inline content. */
const BLOCK_PARENTS = new Set(['root', 'blockquote', 'list', 'listItem', 'footnoteDefinition', 'table', 'tableRow']);

/** A tree without its inline content: every block with all its fields and position. */
function blocks(node: Node): unknown {
  const { children, ...fields } = node as Node & { children?: Node[] };
  return BLOCK_PARENTS.has(node.type) && children ? { ...fields, children: children.map(blocks) } : fields;
}

/** What a runbook's outline must give: the blocks of a whole parse and its headings' plain text. */
function expectOutlineOf(text: string, label: string) {
  const reference = whole(text);
  for (const sectionBytes of [Number.POSITIVE_INFINITY, 1]) {
    const outline = parseOutline(text, sectionBytes, 'micromark');
    expect(blocks(outline.tree), label).toEqual(blocks(reference));
    const headings = (tree: Root) => tree.children.filter((n): n is Heading => n.type === 'heading');
    const expected = headings(reference).map((h) => toString(h));
    expect(headings(outline.tree).map((h) => outline.headingText(h)), label).toEqual(expected);
  }
}

describe('parseOutline with micromark (blocks only), where markdown-it’s conversion does not apply', () => {
  it('gives the blocks and heading texts of a whole parse for every Markdown file of the repo and the corpus', () => {
    const files = repoMarkdownFiles();
    for (const file of files) {
      const text = readFileSync(file, 'latin1');
      if (text.length > 40_000) continue;
      try {
        whole(text);
      } catch {
        continue; // nesting that overflows the parser's stack; parse.ts refuses it first (RB005)
      }
      expectOutlineOf(text, file);
    }
  });

  it('really leaves inline syntax unparsed, and parses headings with inline syntax for their text', () => {
    const text = '---\ntitle: x\n---\n\n## Restore *the* `primary` [db](https://x) <b>now</b>\n\nSome *emphasis*, a [link](https://x) and www.example.com.\n';
    const outline = parseOutline(text, undefined, 'micromark');
    const [, heading, paragraph] = outline.tree.children;
    expect(paragraph).toMatchObject({ type: 'paragraph', children: [{ type: 'text', value: 'Some *emphasis*, a [link](https://x) and www.example.com.' }] });
    // As `toString` gives it from a whole parse: emphasis, code and links give their text, HTML its source.
    expect(outline.headingText(heading as Heading)).toBe('Restore the primary db <b>now</b>');
    // markdown-it's outline (blocks.ts) has its headings parsed again the same way.
    const fast = parseOutline(text);
    expect(fast.headingText(fast.tree.children[1] as Heading)).toBe('Restore the primary db <b>now</b>');
  });

  it('gives the blocks and heading texts of a whole parse for generated documents dense in inline syntax', () => {
    const doc = inlineDenseDocuments();
    fc.assert(
      fc.property(doc, (source) => expectOutlineOf(source, JSON.stringify(source))),
      { numRuns: 1500 },
    );
  });
});
