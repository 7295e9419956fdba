#!/usr/bin/env node
// The engine's two ways to parse a runbook's blocks (ADR 0013), on the inputs that missed issue 6's
// 1 s bound with the first (ADR 0012): the 5,000-step runbook and one construct repeated to the
// 40,000-line limit.
//   baseline:    `node -e 0` (process start, measured in the same run)
//   micromark:   parseOutline(text, _, 'micromark') from @readybook/engine: micromark, block
//                constructs only, patched (ADR 0012); the engine's fallback
//   engine:      parseOutline(text): markdown-it's block parser and the conversion to mdast
//                (blocks.ts), the engine's default since ADR 0013
//   markdown-it: markdown-it 15's block rules alone (core `inline` rule off, GFM tables on): what
//                the conversion and its wrapped rules add to it
// Each parse runs in a fresh process, as the CLI does, so JIT warm-up and garbage collection count.
// Prints wall time, parse time and peak RSS, and the ratios micromark / engine and engine /
// markdown-it; absolute times are noise on these machines, the ratios are the figures.
// Usage: pnpm bench:parsers [--quick] [--node=/usr/bin/node]
//   --quick: 4,000 lines instead of 39,980 and one run instead of the best of three
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { watchPeakRss } from './peak-rss.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const node = process.argv.find((a) => a.startsWith('--node='))?.slice('--node='.length) ?? process.execPath;
const nodeVersion = spawnSync(node, ['-v'], { encoding: 'utf8' }).stdout.trim();
const work = mkdtempSync(join(tmpdir(), 'readybook-parsers-'));
const F = '```';
const LINES = quick ? 4_000 : 39_980;
const RUNS = quick ? 1 : 3;

const engineMarkdown = pathToFileURL(join(root, 'packages/engine/dist/markdown.js')).href;
// The engine's own copy of markdown-it, as its outline uses it.
const markdownIt = pathToFileURL(createRequire(join(root, 'packages/engine/package.json')).resolve('markdown-it')).href;
const read = `const text = (await import('node:fs')).readFileSync(process.argv[1], 'utf8');`;
/** What each child process runs: parse one file once and print the parse's own time. */
const PARSE = {
  micromark: `import { parseOutline } from ${JSON.stringify(engineMarkdown)}; ${read}
const t = performance.now(); parseOutline(text, undefined, 'micromark'); console.log(performance.now() - t);`,
  engine: `import { parseOutline } from ${JSON.stringify(engineMarkdown)}; ${read}
const t = performance.now(); parseOutline(text); console.log(performance.now() - t);`,
  'markdown-it': `import MarkdownIt from ${JSON.stringify(markdownIt)}; ${read}
const md = new MarkdownIt('commonmark').enable('table'); md.core.ruler.disable(['inline', 'text_join']);
const t = performance.now(); md.parse(text, {}); console.log(performance.now() - t);`,
};

/** Runs node with args; resolves wall ms, the child's own printed number and its peak RSS (VmHWM) in MiB. */
function timed(args) {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(node, args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    const peakRss = watchPeakRss(child, 10);
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => {
      const peak = peakRss();
      if (code !== 0) return fail(new Error(`node ${args.slice(0, 2).join(' ')} exited ${code}: ${err.slice(-500)}`));
      done({ wallMs: performance.now() - started, parseMs: Number(out.trim()) || 0, peakMiB: peak });
    });
  });
}

/** The fastest of RUNS (noise only ever adds time); peak RSS is the largest seen. */
async function best(fn) {
  const runs = [];
  for (let i = 0; i < RUNS; i += 1) runs.push(await fn());
  return { wallMs: Math.min(...runs.map((r) => r.wallMs)), parseMs: Math.min(...runs.map((r) => r.parseMs)), peakMiB: Math.max(...runs.map((r) => r.peakMiB)) };
}

/** The shapes of the reliability suite's inputs.test.ts, each repeated to LINES lines. */
const SHAPES = {
  list: '- a\n',
  'task list': '- [ ] a\n',
  quote: '> a\n',
  'table rows': '| a | b |\n',
  definitions: '[a]: b\n',
  footnotes: '[^a]: b\n',
  paragraphs: 'a\n\n',
  'setext headings': 'a\n---\n\n',
  'emphasis runs': '*a *a *a *a *a *a *a *a\n',
};

function inputs() {
  const steps = Array.from({ length: quick ? 500 : 5000 }, (_, i) => `## Step ${i + 1}\n\n${F}sh run\necho ${i + 1}\n${F}\n`);
  const files = [[`${quick ? 500 : 5000}-step runbook`, `---\ntitle: Many\n---\n\n${steps.join('\n\n')}\n`]];
  for (const [name, unit] of Object.entries(SHAPES)) {
    const count = Math.floor((LINES - 10) / (unit.split('\n').length - 1));
    const head = `---\ntitle: ${name}\n---\n\n## First\n\n${name === 'table rows' ? '| a | b |\n|---|---|\n' : ''}`;
    files.push([name, `${head}${unit.repeat(count)}\n## First\n`]);
  }
  return files;
}

const fmt = (ms) => `${Math.round(ms)}`.padStart(6);
try {
  spawnSync('pnpm', ['--filter', '@readybook/engine', 'build'], { cwd: root, stdio: 'ignore' });
  const start = await best(() => timed(['-e', '0']));
  console.log(`Markdown parsers, ${LINES.toLocaleString('en-US')}-line shapes, best of ${RUNS}, engine on ${nodeVersion}`);
  console.log(`baseline: node -e 0 takes ${Math.round(start.wallMs)} ms\n`);
  console.log(`${'input'.padEnd(22)} ${'micromark wall/parse'.padStart(20)} ${'MiB'.padStart(5)} ${'engine wall/parse'.padStart(18)} ${'MiB'.padStart(5)} ${'markdown-it'.padStart(12)}  micromark/engine  engine/markdown-it`);
  const speedups = [];
  const overheads = [];
  for (const [name, text] of inputs()) {
    const file = join(work, `${name.replace(/[^a-z0-9]+/g, '-')}.md`);
    writeFileSync(file, text);
    const slow = await best(() => timed(['--input-type=module', '-e', PARSE.micromark, file]));
    const engine = await best(() => timed(['--input-type=module', '-e', PARSE.engine, file]));
    const bare = await best(() => timed(['--input-type=module', '-e', PARSE['markdown-it'], file]));
    const speedup = slow.parseMs / Math.max(engine.parseMs, 0.1);
    const overhead = engine.parseMs / Math.max(bare.parseMs, 0.1);
    speedups.push(speedup);
    overheads.push(overhead);
    console.log(
      `${name.padEnd(22)} ${fmt(slow.wallMs)} / ${fmt(slow.parseMs)}     ${fmt(slow.peakMiB)} ${fmt(engine.wallMs)} / ${fmt(engine.parseMs)}  ${fmt(engine.peakMiB)}       ${fmt(bare.parseMs)}  ${speedup.toFixed(1).padStart(15)}×  ${overhead.toFixed(1).padStart(17)}×`,
    );
  }
  const geo = (values) => Math.exp(values.reduce((s, r) => s + Math.log(r), 0) / values.length).toFixed(1);
  const range = (values) => `${Math.min(...values).toFixed(1)}× to ${Math.max(...values).toFixed(1)}×`;
  console.log(`\nmicromark parse / engine parse: ${range(speedups)}, geometric mean ${geo(speedups)}×`);
  console.log(`engine parse / bare markdown-it block parse: ${range(overheads)}, geometric mean ${geo(overheads)}×`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
