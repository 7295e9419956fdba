/**
 * Bad input: every malformed runbook, checklist and ADR of corpus/ (and thousands more made by
 * fast-check) must end in a diagnostic naming the file and a line, exit code 2, quickly, with no
 * stack trace and nothing executed.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { parseRunbook } from '@readybook/engine/parse';
import { afterAll, describe, expect, it } from 'vitest';
import { validateAdr } from '@readybook/engine';
import { record } from '../src/figures.js';
import { cli, cliMeasured, DIAGNOSTIC, fence, FULL, hasStackTrace, PACKAGE_DIR, pool, runbook, step, workspace } from '../src/harness.js';

const CORPUS = join(PACKAGE_DIR, 'corpus');
const files = (kind: string) => readdirSync(join(CORPUS, kind)).filter((f) => f.endsWith('.md')).sort();
/** Each malformed file and the code it must be rejected with (scripts/expected-codes.ts writes it). */
const EXPECTED: Record<string, string> = JSON.parse(readFileSync(join(CORPUS, 'expected-codes.json'), 'utf8'));

describe('the corpus manifest', () => {
  it('names the code of every malformed file, and no file that is gone', () => {
    const present = ['runbooks', 'checklists', 'adrs'].flatMap((kind) => files(kind).map((n) => `corpus/${kind}/${n}`)).sort();
    expect(Object.keys(EXPECTED).sort()).toEqual(present);
    for (const [file, code] of Object.entries(EXPECTED)) expect(code, file).toMatch(/^(RB|CL|ADR)\d{3}$/);
  });
});
/** Generous: the engine answers in well under a second; this only catches hangs and blow-ups. */
const BOUND_MS = 15_000;

let inputsTried = 0;
let slowestMs = 0;
/** Every CLI rejection with its wall time (three run at once on two cores), to time the slowest again alone. */
const timed: Array<{ args: string[]; rel: string; cwd: string; env: NodeJS.ProcessEnv; ms: number }> = [];

function lineCount(path: string): number {
  return readFileSync(path, 'latin1').split(/\r\n|\r|\n/).length;
}

/** The CLI's verdict on one bad file: exit 2 and a positioned diagnostic naming it, no stack. */
async function expectRejected(args: string[], rel: string, cwd: string, env: NodeJS.ProcessEnv, run: typeof cli = cli, timedHere = true) {
  const r = await run(args, { cwd, env, timeout: BOUND_MS });
  inputsTried += 1;
  // The shapes at the line limit have figures of their own; these are the corpus's and the generator's.
  if (timedHere) {
    slowestMs = Math.max(slowestMs, r.ms);
    timed.push({ args, rel, cwd, env, ms: r.ms });
  }
  const out = `${r.stdout}\n${r.stderr}`;
  expect(r.signal, `${rel}: hung and was killed`).toBeNull();
  expect(hasStackTrace(out), `${rel}: stack trace or internal error:\n${out}`).toBe(false);
  expect(r.code, `${rel}: exit ${r.code}\n${out}`).toBe(2);
  const diagnostics = out.split('\n').map((l) => DIAGNOSTIC.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  expect(diagnostics.length, `${rel}: no file:line:col diagnostic in\n${out}`).toBeGreaterThan(0);
  for (const m of diagnostics) {
    expect(m[1], `${rel}: diagnostic names another file`).toBe(rel);
    expect(Number(m[2])).toBeGreaterThanOrEqual(1);
    expect(Number(m[2]), `${rel}: line ${m[2]} is past the end of the file`).toBeLessThanOrEqual(lineCount(join(cwd, rel)) + 1);
  }
  return { out, ms: r.ms, diagnostics, peakRssKiB: (r as { peakRssKiB?: number }).peakRssKiB };
}

describe('malformed runbooks: `readybook validate <file>`', () => {
  const names = files('runbooks');
  it(`has at least 150 hand-made cases (${names.length})`, () => expect(names.length).toBeGreaterThanOrEqual(150));

  it('rejects every one with a positioned diagnostic, in one `validate` of them all', async () => {
    const ws = workspace('rb-corpus-');
    const r = await cli(['validate', ...names.map((n) => join('corpus/runbooks', n))], { cwd: PACKAGE_DIR, env: ws.env, timeout: 120_000 });
    expect(hasStackTrace(r.stderr), r.stderr).toBe(false);
    expect(r.code).toBe(2);
    const codes = new Map<string, Set<string>>();
    for (const m of r.stderr.split('\n').map((l) => DIAGNOSTIC.exec(l))) {
      if (m) codes.set(m[1]!, (codes.get(m[1]!) ?? new Set()).add(m[4]!));
    }
    expect(names.filter((n) => !codes.has(join('corpus/runbooks', n))), 'files without a diagnostic').toEqual([]);
    // Each file is rejected for the mistake it was written to make, not by luck for another.
    const wrong = names.map((n) => join('corpus/runbooks', n)).filter((rel) => !codes.get(rel)?.has(EXPECTED[rel]!));
    expect(wrong.map((rel) => `${rel}: expected ${EXPECTED[rel]}, got ${[...(codes.get(rel) ?? [])].join(' ')}`)).toEqual([]);
    inputsTried += names.length;
  });

  it('rejects each one alone with exit 2 (every file under `pnpm suite`, every sixth in CI)', async () => {
    const ws = workspace('rb-corpus-');
    const sample = names.filter((_, i) => FULL || i % 6 === 0);
    await pool(sample, 3, (name) => expectRejected(['validate', join('corpus/runbooks', name)], join('corpus/runbooks', name), PACKAGE_DIR, ws.env));
  });

  it('refuses to `run` them, executing nothing', async () => {
    const ws = workspace('rb-corpus-run-');
    const sample = names.filter((_, i) => FULL || i % 20 === 0);
    await pool(sample, 3, async (name) => {
      const r = await cli(['run', join(PACKAGE_DIR, 'corpus/runbooks', name), '--yes'], { cwd: ws.dir, env: ws.env, timeout: BOUND_MS });
      inputsTried += 1;
      expect(r.code, `${name}: ${r.stderr}`).toBe(2);
      expect(hasStackTrace(r.stderr)).toBe(false);
    });
    expect(existsSync(join(ws.home, 'runs')) ? readdirSync(join(ws.home, 'runs')) : []).toEqual([]);
  });

  it('accepts the odd but valid cases of corpus/accepted, and a YAML tag never executes', async () => {
    const sentinel = '/tmp/pwned';
    rmSync(sentinel, { force: true });
    const ws = workspace('rb-accepted-');
    for (const name of files('accepted')) {
      const r = await cli(['validate', join('corpus/accepted', name)], { cwd: PACKAGE_DIR, env: ws.env });
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
    }
    const plan = await cli(['plan', join(PACKAGE_DIR, 'corpus/accepted/yaml-js-function-tag.md')], { cwd: ws.dir, env: ws.env });
    expect(plan.code).toBe(0);
    expect(existsSync(sentinel)).toBe(false);
  });

  it('rejects a 10 MB file at once (RB004), without reading it whole', async () => {
    const ws = workspace('rb-big-');
    const body = `${'x'.repeat(1023)}\n`;
    writeFileSync(join(ws.dir, 'big.md'), `---\ntitle: Big\n---\n\n## One\n\n${body.repeat(10 * 1024)}`);
    const { out } = await expectRejected(['validate', 'big.md'], 'big.md', ws.dir, ws.env);
    expect(out).toMatch(/RB004/);
  });

  it('finds the error at the end of a runbook with thousands of steps, on the right line', async () => {
    const ws = workspace('rb-many-');
    const n = FULL ? 5000 : 2000;
    const steps = Array.from({ length: n }, (_, i) => step(`Step ${i + 1}`, { run: `echo ${i + 1}` }));
    steps.push(`## Step 7\n\n${fence}sh run\necho duplicate\n${fence}\n`);
    const text = runbook('title: Many', ...steps);
    writeFileSync(join(ws.dir, 'many.md'), text);
    const { out } = await expectRejected(['validate', 'many.md'], 'many.md', ws.dir, ws.env);
    const m = DIAGNOSTIC.exec(out) as RegExpExecArray;
    expect(m[4]).toBe('RB011');
    expect(Number(m[2])).toBe(text.split('\n').lastIndexOf('## Step 7') + 1);
  });
});

/** The runbook line limit (RB006); every shape below is made as large as it allows. */
const MAX_LINES = 40_000;
/** The checklist line limit (CL026). */
const MAX_CHECKLIST_LINES = 1_000;

/**
 * One construct repeated until the file is as long as the engine accepts: a parser's cost is per line
 * and differs by construct, so these are the slowest inputs of their size (figures: ADR 0018 and
 * the reliability page).
 */
const SHAPES: Record<string, string> = {
  list: '- a\n',
  'ordered list': '1. a\n',
  'task list': '- [ ] a\n',
  'loose list': '- a\n\n',
  quote: '> a\n',
  'lazy quote lines': '> a\nb\n',
  'table rows': '| a | b |\n',
  definitions: '[a]: b\n',
  footnotes: '[^a]: b\n',
  paragraphs: 'a\n\n',
  'setext headings': 'a\n---\n\n',
  '### headings': '### a\n',
  'thematic breaks': '***\n',
  'indented code': '    a\n',
  'empty fences': `${fence}\n${fence}\n`,
  'HTML blocks': '<div>\n\n',
  'emphasis runs': '*a *a *a *a *a *a *a *a\n',
};

/** A hang bound, not a speed target. */
const SHAPE_BOUND_MS = 60_000;

describe('the slowest Markdown shapes, each as large as the line limit allows', () => {
  const lines = FULL ? MAX_LINES - 20 : 4_000;
  const shapes: Record<string, { ms: number; peakRssMiB: number }> = {};

  it(`rejects each shape at ${lines.toLocaleString('en-US')} lines with the diagnostic on its last line, and no hang`, async () => {
    const ws = workspace('rb-shapes-');
    const measured: typeof cli = (args, options) => cliMeasured(args, { ...options, timeout: SHAPE_BOUND_MS });
    for (const [name, unit] of Object.entries(SHAPES)) {
      const count = Math.floor((lines - 10) / (unit.split('\n').length - 1));
      const head = `---\ntitle: ${name}\n---\n\n## First\n\n${name === 'table rows' ? '| a | b |\n|---|---|\n' : ''}`;
      const text = `${head}${unit.repeat(count)}\n## First\n`;
      const file = `shape-${name.replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '')}.md`;
      writeFileSync(join(ws.dir, file), text);
      const { ms, out, diagnostics, peakRssKiB } = await expectRejected(['validate', file], file, ws.dir, ws.env, measured, false);
      if (name === 'setext headings') {
        // A heading underlined with `---` only looks like a step (RB022), each of them, and the last
        // `## First` is a duplicate: the terminal shows the first 50 and counts the rest.
        expect(diagnostics).toHaveLength(50);
        expect(diagnostics[0]?.[4]).toBe('RB022');
        expect(out).toContain(`${file}: ${(count + 1 - 50).toLocaleString('en-US')} more diagnostics not shown (${(count + 1).toLocaleString('en-US')} in all; \`readybook validate --json\` lists every one)`);
      } else {
        // The duplicate `## First` at the end: the whole file was parsed, and positions survived it.
        expect(diagnostics.map((m) => [m[4], Number(m[2])]), name).toContainEqual(['RB011', text.split('\n').lastIndexOf('## First') + 1]);
      }
      shapes[name] = { ms: Math.round(ms), peakRssMiB: Math.round((peakRssKiB ?? 0) / 1024) };
    }
    const slowest = Object.entries(shapes).sort((a, b) => b[1].ms - a[1].ms)[0];
    const hungriest = Object.entries(shapes).sort((a, b) => b[1].peakRssMiB - a[1].peakRssMiB)[0];
    record('inputs-shapes', {
      shapeLines: lines,
      shapes,
      slowestShape: slowest?.[0] ?? null,
      slowestShapeMs: slowest?.[1].ms ?? null,
      hungriestShape: hungriest?.[0] ?? null,
      hungriestShapePeakRssMiB: hungriest?.[1].peakRssMiB ?? null,
      shapesUnderOneSecond: Object.values(shapes).filter((v) => v.ms < 1000).length,
      shapesTried: Object.keys(shapes).length,
    });
  });

  it('refuses a file over the line limit before parsing it: a 1 MiB list of 260,000 items', async () => {
    const ws = workspace('rb-lines-');
    writeFileSync(join(ws.dir, 'long.md'), `---\ntitle: Long\n---\n\n## One\n\n${'- a\n'.repeat(260_000)}`);
    const { diagnostics } = await expectRejected(['validate', 'long.md'], 'long.md', ws.dir, ws.env);
    expect(diagnostics.map((m) => [m[4], Number(m[2])])).toEqual([['RB006', MAX_LINES + 1]]);
  });
});

describe('malformed checklists: `readybook check <file>`', () => {
  const names = files('checklists');
  it(`has at least 30 cases (${names.length})`, () => expect(names.length).toBeGreaterThanOrEqual(30));
  it('rejects every one with a positioned diagnostic and exit 2 (every other one in CI)', async () => {
    const ws = workspace('rb-cl-');
    await pool(names.filter((_, i) => FULL || i % 2 === 0), 3, async (name) => {
      const rel = join('corpus/checklists', name);
      const { diagnostics } = await expectRejected(['check', rel, '--no-write'], rel, PACKAGE_DIR, ws.env);
      expect(diagnostics.map((m) => m[4]), rel).toContain(EXPECTED[rel]);
    });
  });
  // Checklists have a lower line limit (CL026): a go/no-go list is read by people.
  const CHECKLIST_SHAPES: Record<string, string> = {
    'task items': '- [ ] item `evidence: backup`\n',
    list: '- a\n',
    'table rows': '| a | b |\n',
    definitions: '[a]: b\n',
    footnotes: '[^a]: b\n',
    'literal autolinks': 'www.a.com a@b.co https://x.y www.b.com\n',
    'emphasis runs': '*a *a *a *a *a *a *a *a\n',
    'setext headings': 'a\n---\n\n',
    quote: '> a\n',
  };
  it(`rejects each shape at the checklist line limit (${MAX_CHECKLIST_LINES.toLocaleString('en-US')}) on its last item, and refuses one line more (CL026)`, async () => {
    const ws = workspace('rb-cl-shapes-');
    const head = '---\ntitle: C\ngate: g\nowner: o\n---\n\n## S\n\n';
    const last = '\n- [ ] last `evidance: backup`\n';
    await pool(Object.entries(CHECKLIST_SHAPES), 3, async ([name, unit]) => {
      const table = name === 'table rows' ? '| a | b |\n|---|---|\n' : '';
      const room = MAX_CHECKLIST_LINES - (head + table + last).split('\n').length + 1;
      const text = `${head}${table}${unit.repeat(Math.floor(room / (unit.split('\n').length - 1)))}${last}`;
      const file = `shape-${name.replace(/[^a-z]+/g, '-')}.md`;
      writeFileSync(join(ws.dir, file), text);
      const { diagnostics } = await expectRejected(['check', file, '--no-write'], file, ws.dir, ws.env);
      expect(diagnostics.map((m) => [m[4], Number(m[2])]), name).toContainEqual(['CL010', text.split('\n').length - 1]);
    });
    writeFileSync(join(ws.dir, 'one-more.md'), `${head}${'- [ ] i `evidence: b`\n'.repeat(MAX_CHECKLIST_LINES - 7)}`);
    const { diagnostics } = await expectRejected(['check', 'one-more.md', '--no-write'], 'one-more.md', ws.dir, ws.env);
    expect(diagnostics.map((m) => [m[4], Number(m[2])])).toEqual([['CL026', MAX_CHECKLIST_LINES + 1]]);
  });
  it('rejects a 10 MB checklist', async () => {
    const ws = workspace('rb-cl-big-');
    writeFileSync(join(ws.dir, 'big.md'), `---\ntitle: C\ngate: g\nowner: o\n---\n\n## S\n\n${'- [ ] item `evidence: backup`\n'.repeat(350_000)}`);
    await expectRejected(['check', 'big.md', '--no-write'], 'big.md', ws.dir, ws.env);
  });
});

describe('malformed ADRs: the ADR schema of @readybook/schema', () => {
  const names = files('adrs');
  it('rejects every one with a positioned diagnostic', () => {
    for (const name of names) {
      const path = join(CORPUS, 'adrs', name);
      const started = performance.now();
      const diagnostics = validateAdr(path, relative(PACKAGE_DIR, path));
      slowestMs = Math.max(slowestMs, performance.now() - started);
      inputsTried += 1;
      expect(diagnostics.length, name).toBeGreaterThan(0);
      expect(diagnostics.map((d) => d.code), name).toContain(EXPECTED[`corpus/adrs/${name}`]);
      for (const d of diagnostics) {
        expect(d.line).toBeGreaterThanOrEqual(1);
        expect(d.line).toBeLessThanOrEqual(lineCount(path) + 1);
      }
    }
  });
  it('accepts the repository’s own decisions', () => {
    const dir = join(PACKAGE_DIR, '../../decisions');
    for (const name of readdirSync(dir).filter((f) => /^\d{4}-.*\.md$/.test(f))) expect(validateAdr(join(dir, name)), name).toEqual([]);
  });
});

/** Pieces a runbook is made of, including the broken ones, for fast-check to shuffle. */
const piece = fc.oneof(
  fc.constantFrom(
    '---',
    'title: T',
    'title:',
    'params:',
    '  A:',
    '    type: string',
    '    type: enum',
    '    secret: true',
    '  bad-name:',
    '## Step',
    '## Step',
    '##',
    '```sh run',
    '```sh verify',
    '```sh rollback',
    '```sh run verify',
    '```sh rnu',
    '```sh run timeout=zz',
    '```python run',
    '```',
    '~~~',
    'echo hi',
    '',
    '\t',
    '\r',
    '> ',
    '- [ ] item',
    '&a [*a]',
    '\uFEFF',
  ),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
);
const document = fc.array(piece, { maxLength: 40 }).map((lines) => lines.join('\n'));

describe('property: any text', () => {
  it('never makes the parser throw, and every diagnostic has a line inside the file', () => {
    const runs = FULL ? 20_000 : 3_000;
    fc.assert(
      fc.property(document, (text) => {
        const { runbook: parsed, diagnostics } = parseRunbook(text, 'gen.md');
        const lines = text.split(/\r\n|\r|\n/).length;
        for (const d of diagnostics) {
          if (d.line < 1 || d.line > lines + 1 || !d.code || !d.message) return false;
        }
        // Either a runbook or at least one error: never neither.
        return parsed !== undefined || diagnostics.some((d) => d.severity === 'error');
      }),
      { numRuns: runs },
    );
    inputsTried += runs;
  });

  it('the CLI agrees: generated invalid runbooks exit 2 with a diagnostic', async () => {
    const ws = workspace('rb-gen-');
    const samples = fc
      .sample(document, FULL ? 400 : 25)
      .filter((text) => parseRunbook(text, 'x.md').diagnostics.some((d) => d.severity === 'error'));
    await pool(samples, 3, async (text, i) => {
      writeFileSync(join(ws.dir, `gen-${i}.md`), text);
      await expectRejected(['validate', `gen-${i}.md`], `gen-${i}.md`, ws.dir, ws.env);
    });
  });
});

describe('the slowest rejections, timed again one at a time', () => {
  it('still end in exit 2 with a diagnostic when nothing else runs beside them', async () => {
    const slowest = [...timed].sort((a, b) => b.ms - a.ms).slice(0, 8);
    const alone: Array<{ rel: string; ms: number }> = [];
    for (const t of slowest) {
      const { ms } = await expectRejected(t.args, t.rel, t.cwd, t.env);
      alone.push({ rel: t.rel, ms });
    }
    alone.sort((a, b) => b.ms - a.ms);
    const worst = [...timed].sort((a, b) => b.ms - a.ms)[0];
    record('inputs-alone', {
      slowestRejectionInput: worst?.rel ?? null,
      slowestAloneMs: Math.round(alone[0]?.ms ?? 0),
      slowestAloneInput: alone[0]?.rel ?? null,
      slowestAlone: Object.fromEntries(alone.map((a) => [a.rel, Math.round(a.ms)])),
    });
  });
});

afterAll(() => {
  record(`inputs${process.env.VITEST_POOL_ID ?? ''}`, {});
  record('inputs', { inputsTried, slowestRejectionMs: Math.round(slowestMs), corpusFiles: files('runbooks').length + files('checklists').length + files('adrs').length });
});
