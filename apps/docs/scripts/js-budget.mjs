#!/usr/bin/env node
// Prints the gzip size of the JavaScript each page type ships on load and exits 1 when a page is over budget.
// Counted: inline <script>s (not JSON data) and module scripts with everything they import statically.
// Not counted: dynamic import() chunks, which load only on demand (Pagefind's UI loads when search opens).
//
//   node scripts/js-budget.mjs [--dist dist] [--budget-kb 60]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(name);
  return index === -1 ? fallback : args[index + 1];
};
const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(option('--dist', path.join(here, '..', 'dist')));
const budgetBytes = Number(option('--budget-kb', '60')) * 1024;
const basePath = (process.env.BASE_PATH ?? '/').replace(/\/+$/, '');

/** Page type from the page's path inside dist. */
function pageType(rel) {
  if (rel === 'index.html') return 'home';
  if (rel === '404.html') return null;
  if (/^runbooks\/[^/]+\/index\.html$/.test(rel)) return 'runbook';
  if (/^decisions\/\d{4}-[^/]+\/index\.html$/.test(rel)) return 'adr';
  if (/^checklists\/[^/]+\/index\.html$/.test(rel)) return 'checklist';
  if (/^(runbooks|decisions|checklists)\/index\.html$/.test(rel)) return 'index';
  return 'guide';
}

function htmlFiles(dir, prefix = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return entry.name === '_astro' || entry.name === 'pagefind' ? [] : htmlFiles(path.join(dir, entry.name), rel);
    return entry.name.endsWith('.html') ? [rel] : [];
  });
}

/** Maps `/base/_astro/x.js` or `./x.js` (relative to `from`) to a file in dist. */
function resolveScript(specifier, from) {
  if (/^[a-z]+:\/\//i.test(specifier) || specifier.startsWith('//')) return null;
  if (specifier.startsWith('/')) {
    const local = basePath && specifier.startsWith(`${basePath}/`) ? specifier.slice(basePath.length) : specifier;
    return path.join(dist, local.split('?')[0]);
  }
  if (specifier.startsWith('.') && from) return path.join(path.dirname(from), specifier.split('?')[0]);
  return null;
}

const STATIC_IMPORT = /(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]+\s*from\s*)?["']([^"']+\.m?js)["']/g;

/** A module and every module it imports statically, each counted once. */
function moduleGraph(file, seen) {
  if (!file || seen.has(file) || !existsSync(file)) return;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(STATIC_IMPORT)) moduleGraph(resolveScript(match[1], file), seen);
}

function pageJs(htmlPath) {
  const html = readFileSync(htmlPath, 'utf8');
  const inline = [];
  const modules = new Set();
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    const attrs = match[1];
    if (/type=["']?(application\/(ld\+)?json|importmap)/.test(attrs)) continue;
    const src = /\bsrc=["']([^"']+)["']/.exec(attrs);
    if (src) moduleGraph(resolveScript(src[1]), modules);
    else if (match[2].trim()) inline.push(match[2]);
    if (!src && /type=["']?module/.test(attrs)) {
      for (const imported of match[2].matchAll(STATIC_IMPORT)) moduleGraph(resolveScript(imported[1]), modules);
    }
  }
  const code = [...inline, ...[...modules].map((file) => readFileSync(file, 'utf8'))].join('\n');
  return { raw: Buffer.byteLength(code), gzip: gzipSync(code).length, files: modules.size, inline: inline.length };
}

if (!existsSync(path.join(dist, 'index.html'))) {
  console.error(`js-budget: no built site in ${dist}; run \`pnpm --filter @readybook/docs build\` first`);
  process.exit(2);
}

const byType = new Map();
for (const rel of htmlFiles(dist)) {
  const type = pageType(rel);
  if (!type) continue;
  const size = pageJs(path.join(dist, rel));
  const worst = byType.get(type);
  byType.set(type, { pages: (worst?.pages ?? 0) + 1, worst: !worst || size.gzip > worst.worst.gzip ? { rel, ...size } : worst.worst });
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
let over = false;
console.log(`JavaScript shipped on load, gzip, heaviest page of each type (budget ${kb(budgetBytes)})`);
for (const type of ['home', 'guide', 'runbook', 'adr', 'checklist', 'index']) {
  const entry = byType.get(type);
  if (!entry) {
    console.log(`  ${type.padEnd(10)} (no pages)`);
    continue;
  }
  const { worst, pages } = entry;
  const status = worst.gzip > budgetBytes ? 'OVER BUDGET' : 'ok';
  over ||= worst.gzip > budgetBytes;
  console.log(
    `  ${type.padEnd(10)} ${kb(worst.gzip).padStart(9)} gzip  ${kb(worst.raw).padStart(9)} raw  ${worst.files} module(s) + ${worst.inline} inline  ${status}  (${pages} page(s), heaviest ${worst.rel})`,
  );
}
process.exit(over ? 1 : 0);
