#!/usr/bin/env node
// The engine's Markdown parse against a faster candidate, on the inputs that miss issue 6's 1 s bound
// (ADR 0012): the 5,000-step runbook and one construct repeated to the 40,000-line limit.
//   baseline:   `node -e 0` (process start, measured in the same run)
//   engine:     parseOutline from @readybook/engine (micromark, block constructs only, patched; ADR 0012)
//   markdown-it: markdown-it 15 block rules only (core `inline` rule off), the same GFM table rule on
// Each parse runs in a fresh process, as the CLI does, so JIT warm-up and garbage collection count.
// Prints wall time, parse time and peak RSS, and the ratio engine / markdown-it; absolute times are
// noise on these machines, the ratios are the figures.
// Usage: pnpm bench:parsers [--quick] [--node=/usr/bin/node]
//   --quick: 4,000 lines instead of 39,980 and one run instead of the best of three
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
const markdownIt = import.meta.resolve('markdown-it');
/** What each child process runs: parse one file once and print the parse's own time. */
const PARSE = {
  engine: `import { parseOutline } from ${JSON.stringify(engineMarkdown)};
const text = (await import('node:fs')).readFileSync(process.argv[1], 'utf8');
const t = performance.now(); parseOutline(text); console.log(performance.now() - t);`,
  'markdown-it': `import MarkdownIt from ${JSON.stringify(markdownIt)};
const text = (await import('node:fs')).readFileSync(process.argv[1], 'utf8');
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
  console.log(`${'input'.padEnd(22)} ${'engine wall/parse ms'.padStart(21)} ${'MiB'.padStart(5)} ${'markdown-it wall/parse'.padStart(23)} ${'MiB'.padStart(5)}  parse ratio`);
  const ratios = [];
  for (const [name, text] of inputs()) {
    const file = join(work, `${name.replace(/[^a-z0-9]+/g, '-')}.md`);
    writeFileSync(file, text);
    const engine = await best(() => timed(['--input-type=module', '-e', PARSE.engine, file]));
    const it = await best(() => timed(['--input-type=module', '-e', PARSE['markdown-it'], file]));
    const ratio = engine.parseMs / Math.max(it.parseMs, 0.1);
    ratios.push(ratio);
    console.log(
      `${name.padEnd(22)} ${fmt(engine.wallMs)} / ${fmt(engine.parseMs)}      ${fmt(engine.peakMiB)} ${fmt(it.wallMs)} / ${fmt(it.parseMs)}        ${fmt(it.peakMiB)}  ${ratio.toFixed(1).padStart(5)}×`,
    );
  }
  const geo = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
  console.log(`\nengine parse / markdown-it parse: ${Math.min(...ratios).toFixed(1)}× to ${Math.max(...ratios).toFixed(1)}×, geometric mean ${geo.toFixed(1)}×`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
