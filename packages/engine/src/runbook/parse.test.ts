import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostics } from '../diagnostics.js';
import { formatDiagnostic, parseRunbook } from './parse.js';

const F = '```';
const REPO_RUNBOOKS = join(import.meta.dirname, '../../../../runbooks');
const lines = (...l: string[]) => `${l.join('\n')}\n`;
const messages = (source: string) => parseRunbook(source, 'runbooks/x.md').diagnostics.map((d) => formatDiagnostic(d, { hint: false }));

describe('parseRunbook', () => {
  it('reads frontmatter, steps, roles and options', () => {
    const { runbook, diagnostics } = parseRunbook(
      lines(
        '---',
        'title: Demo',
        'params:',
        '  TARGET: { type: enum, values: [a, b], default: a }',
        '---',
        'Intro text.',
        '## First',
        'Prose of the first step.',
        `${F}sh run timeout=10m retries=2 delay=5s`,
        'echo one',
        F,
        `${F}sh verify`,
        'true',
        F,
        `${F}sh rollback`,
        'echo undo',
        F,
        `${F}sh`,
        'echo documentation only',
        F,
        '## Second, manual',
        'Do it by hand.',
      ),
      'runbooks/demo.md',
    );
    expect(diagnostics).toEqual([]);
    expect(runbook?.id).toBe('demo');
    expect(runbook?.intro).toBe('Intro text.');
    expect(runbook?.steps).toHaveLength(2);
    const [first, second] = runbook!.steps;
    expect(first).toMatchObject({ index: 1, title: 'First', line: 7, manual: false });
    expect(first?.run).toMatchObject({ role: 'run', lang: 'sh', line: 9, code: 'echo one', options: { timeoutMs: 600_000, retries: 2, delayMs: 5_000 } });
    expect(first?.verify?.line).toBe(12);
    expect(first?.rollback?.code).toBe('echo undo');
    expect(first?.description).toContain('echo documentation only');
    expect(second).toMatchObject({ index: 2, manual: true });
    expect(runbook?.frontmatter.params.TARGET).toMatchObject({ type: 'enum', default: 'a', required: false, secret: false });
  });

  it('reports bad YAML at its line', () => {
    expect(messages(lines('---', 'title: x', 'params: [unclosed', '---', '## A'))).toEqual([
      expect.stringMatching(/^runbooks\/x\.md:[34]:\d+: error RB001: frontmatter is not valid YAML/),
    ]);
  });

  it('reports an unknown param type at the line of the type key', () => {
    expect(messages(lines('---', 'title: x', 'params:', '  FOO:', '    type: integer', '---', '## A', `${F}sh run`, 'true', F))).toEqual([
      expect.stringMatching(/^runbooks\/x\.md:5:5: error RB002: `params\.FOO\.type`: /),
    ]);
  });

  it('reports two run blocks in one step at the second block', () => {
    expect(messages(lines('---', 'title: x', '---', '## A', `${F}sh run`, 'true', F, '', `${F}sh run`, 'false', F))).toEqual([
      'runbooks/x.md:9:1: error RB012: step "A" has a second `run` block (the first is on line 5)',
    ]);
  });

  it('reports timeout=abc at its column', () => {
    expect(messages(lines('---', 'title: x', '---', '## A', `${F}sh run timeout=abc`, 'true', F))).toEqual([
      'runbooks/x.md:5:11: error RB013: option `timeout=abc` is invalid: timeout must be a duration such as 500ms, 30s, 10m or 2h',
    ]);
  });

  it('refuses more than 40,000 lines before parsing, at the first line over (RB006), and takes 40,000', () => {
    const body = (n: number) => `---\ntitle: L\n---\n\n## One\n\n${'- item\n'.repeat(n - 6)}`;
    expect(messages(body(40_001))).toEqual(['runbooks/x.md:40001:1: error RB006: the file has 40,001 lines; the limit is 40,000']);
    expect(messages(`${body(40_001).replaceAll('\n', '\r')}`)).toEqual(['runbooks/x.md:40001:1: error RB006: the file has 40,001 lines; the limit is 40,000']);
    expect(messages(body(40_000))).toEqual([]);
  });

  it('keeps heading text as a reader sees it, inline syntax and references included', () => {
    const { runbook } = parseRunbook(lines('---', 'title: T', '---', '## Restore `db` from *S3*', `${F}sh run`, 'true', F, '## Use [the tool][t] \\& ![an image](x.png)', '[t]: https://example.com'), 'x.md');
    expect(runbook?.steps.map((s) => s.title)).toEqual(['Restore db from S3', 'Use the tool & an image']);
  });

  it('refuses what only looks like a step heading or an executable block (RB022), at its line', () => {
    const source = lines(
      '---', 'title: T', '---',
      '## Real', `${F}sh run`, 'true', F,
      'Looks like a step', '---',
      '##No space',
      '',
      '    ```sh run', '    echo indented',
      '',
      '<details>', '```sh verify', 'true', '```', '</details>',
      '',
      '- item', '',  '  ## In a list',
      '',
      '``sh run``',
    );
    expect(messages(source).filter((m) => m.includes('RB022'))).toEqual([
      'runbooks/x.md:9:1: error RB022: a heading underlined with `---` is not a step; write a step as `## Title`, or a rule as `***`',
      'runbooks/x.md:10:1: error RB022: this line looks like a step heading but has no space after `##`, so it is text; write `## Title`',
      'runbooks/x.md:12:5: error RB022: this line looks like an executable block but is indented, so it is plain code that never runs; start the fence at the beginning of the line',
      'runbooks/x.md:16:1: error RB022: this line looks like an executable block but is inside an HTML block, so it never runs; leave a blank line after the HTML tag',
      'runbooks/x.md:23:3: error RB022: this `##` heading is inside a list or quote, so it is not a step; start it at the beginning of a line',
      'runbooks/x.md:25:1: error RB022: this line looks like an executable block but is not a fence of three or more backticks (or tildes) at the start of a line, so it never runs',
    ]);
  });

  it('reads every runbook of the repo without a look-alike', () => {
    for (const file of readdirSync(REPO_RUNBOOKS)) {
      const { diagnostics } = parseRunbook(readFileSync(join(REPO_RUNBOOKS, file), 'utf8'), `runbooks/${file}`);
      expect(diagnostics.map((d) => d.code)).toEqual([]);
    }
  });

  it('prints at most 50 diagnostics of one file, then counts the rest', () => {
    const steps = Array.from({ length: 120 }, () => `## Same\n\n${F}sh run\ntrue\n${F}\n`).join('\n');
    const { diagnostics } = parseRunbook(`---\ntitle: T\n---\n\n${steps}`, 'x.md');
    expect(diagnostics).toHaveLength(119);
    const printed = formatDiagnostics(diagnostics, { hint: false, everyOne: '`readybook validate --json`' });
    expect(printed).toHaveLength(51);
    expect(printed.at(-1)).toBe('x.md: 69 more diagnostics not shown (119 in all; `readybook validate --json` lists every one)');
  });

  it('reports a duplicate step title at the second heading', () => {
    expect(messages(lines('---', 'title: x', '---', '## Deploy', 'a', '## deploy', 'b'))).toEqual([
      'runbooks/x.md:6:1: error RB011: step title "deploy" is used twice (first on line 4)',
    ]);
  });

  it('reports unknown words, near-miss roles, bad languages and unterminated fences', () => {
    expect(messages(lines('---', 'title: x', '---', '## A', `${F}sh run now`, 'true', F))).toEqual([
      'runbooks/x.md:5:11: error RB014: unknown word `now` in the info string `sh run now`',
    ]);
    expect(messages(lines('---', 'title: x', '---', '## A', `${F}sh rollbak`, 'true', F))[0]).toContain('did you mean `rollback`?');
    expect(messages(lines('---', 'title: x', '---', '## A', `${F}python run`, 'print(1)', F))[0]).toContain('RB015');
    expect(messages(lines('---', 'title: x', '---', '## A', `${F}sh run`, 'true'))).toEqual([
      'runbooks/x.md:5:1: error RB017: this code fence is never closed, so it runs to the end of the file',
    ]);
  });

  it('rejects missing frontmatter, unknown fields and an empty file', () => {
    expect(messages(lines('## A'))[0]).toContain('RB003');
    expect(messages(lines('---', 'title: x', 'parms: {}', '---', '## A'))).toEqual(['runbooks/x.md:3:1: error RB002: unknown frontmatter field `parms`']);
    expect(messages('')[0]).toMatch(/^runbooks\/x\.md:1:1: error RB003/);
    expect(messages(lines('---', 'title: x', '---'))[0]).toContain('RB010');
  });

  it('rejects invalid param names, enum without values and a default that breaks its own pattern', () => {
    const out = messages(lines('---', 'title: x', 'params:', '  lower: {}', '  E: { type: enum }', '  P: { pattern: "[0-9]+", default: abc }', '---', '## A'));
    expect(out).toEqual([
      expect.stringMatching(/^runbooks\/x\.md:4:3: error RB002: `params\.lower`: param names must be UPPER_SNAKE_CASE/),
      expect.stringMatching(/^runbooks\/x\.md:5:3: error RB002: `params\.E\.values`: an enum param needs a `values` list/),
      expect.stringMatching(/^runbooks\/x\.md:6:27: error RB002: `params\.P\.default`: default does not match the pattern/),
    ]);
  });

  it('survives YAML alias bombs and duplicate keys', () => {
    const bomb = ['---', 'title: x', 'a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]', '---', '## A'];
    expect(messages(lines(...bomb))[0]).toContain('RB001');
    expect(messages(lines('---', 'title: x', 'title: y', '---', '## A'))[0]).toMatch(/^runbooks\/x\.md:3:\d+: error RB001: .*unique/);
  });

  it('accepts a byte-order mark, CRLF line ends and tabs', () => {
    const source = '\uFEFF---\r\ntitle: x\r\n---\r\n## A\r\n```sh run\r\n\techo hi\r\n```\r\n';
    const { runbook, diagnostics } = parseRunbook(source, 'runbooks/x.md');
    expect(diagnostics).toEqual([]);
    expect(runbook?.steps[0]?.run?.code).toContain('\techo hi');
  });
});
