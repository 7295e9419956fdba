import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMarkdown } from './markdown.js';

/** The tree of one whole parse: the reference that a parse in sections must equal exactly. */
const whole = (text: string) => parseMarkdown(text, Number.POSITIVE_INFINITY);
/** Sections as small as possible, so that every eligible heading starts one. */
const sectioned = (text: string) => parseMarkdown(text, 1);

const ROOT = resolve(import.meta.dirname, '../../..');
function markdownFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(ROOT, dir, f));
}

describe('parseMarkdown in sections', () => {
  it('gives the same tree, positions included, for every runbook, checklist, ADR and corpus file of the repo', () => {
    const files = ['runbooks', 'checklists', 'decisions', 'packages/reliability/corpus/runbooks', 'packages/reliability/corpus/accepted', 'packages/reliability/corpus/checklists'].flatMap(markdownFiles);
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
    const piece = fc.constantFrom(
      '## Step',
      '## Step two',
      '```sh run',
      '```',
      '~~~',
      '````',
      '<pre>',
      '</pre>',
      '<!--',
      '-->',
      '<div>',
      '</div>',
      '- item',
      '  ```sh',
      '> quote',
      '> ```',
      '| a | b |',
      '|---|---|',
      '[ref]: https://example.com',
      'a [ref] link',
      'text[^n]',
      '[^n]: footnote',
      '    indented code',
      'Setext',
      '---',
      '',
      '   ',
      '\t',
    );
    const ending = fc.constantFrom('\n', '\r\n', '\r');
    const front = fc.constantFrom('', '---\ntitle: x\n---\n', '---\ntitle: x\n', '---\r\ntitle: x\r\n---\r\n\r\n');
    const doc = fc
      .tuple(front, fc.array(fc.tuple(piece, ending), { maxLength: 60 }))
      .map(([head, lines]) => head + lines.map(([l, e]) => l + e).join(''));
    fc.assert(
      fc.property(doc, (text) => {
        expect(sectioned(text)).toEqual(whole(text));
      }),
      { numRuns: 1500 },
    );
  });
});
