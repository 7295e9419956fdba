#!/usr/bin/env node
// How much slower the Readybook docs site builds than a plain Starlight site with the same Markdown.
//   baseline (A): a plain Starlight site made in a throwaway folder under the OS temp dir, with the
//                 same Astro and Starlight the docs use (linked from apps/docs/node_modules), Starlight's
//                 defaults, and the same content as plain docs pages: runbooks/, checklists/,
//                 decisions/ and the site's own guides, each file's body under a `title`/`description`
//                 frontmatter. It builds its Pagefind index too.
//   readybook (B): apps/docs as `pnpm docs:build` builds it: the engine parsing every runbook and
//                 checklist, the run evidence, the generated pages, link checks, Pagefind.
// Each build is a fresh `astro build` process with Astro's content cache removed first (cold, as in
// CI), alternating A, B, A, B … so load on the machine hits both alike. Prints each pair, the medians
// and the ratio median(B) / median(A) of wall time (the target, ≤ 1.3) and of CPU time (user + system
// of the build and its children, from /usr/bin/time, which other load on the machine moves less);
// absolute seconds are noise on a shared machine, the ratios are the figures.
// Usage: pnpm bench:docs [--pairs 5] [--keep]   (--keep leaves the temp site for inspection)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const docs = join(root, 'apps/docs');
const args = process.argv.slice(2);
const pairsArg = args.indexOf('--pairs');
const PAIRS = pairsArg === -1 ? 5 : Math.max(1, Number(args[pairsArg + 1]));
const keep = args.includes('--keep');

const astroBin = join(realpathSync(join(docs, 'node_modules/astro')), 'bin/astro.mjs');
if (!existsSync(astroBin)) {
  console.error('bench:docs: apps/docs/node_modules/astro is missing (code NO_ASTRO). Hint: run pnpm install --frozen-lockfile first.');
  process.exit(2);
}
if (!existsSync(join(root, 'packages/engine/dist'))) {
  console.error('bench:docs: packages/engine/dist is missing (code NO_ENGINE_BUILD). Hint: run pnpm build first.');
  process.exit(2);
}
const version = (dir) => JSON.parse(readFileSync(join(realpathSync(join(docs, 'node_modules', dir)), 'package.json'), 'utf8')).version;

// ---- the plain Starlight site -------------------------------------------------------------------
const plain = mkdtempSync(join(tmpdir(), 'readybook-plain-starlight-'));
// Its own node_modules, hard-linked from the workspace's pnpm store folder (same packages, no download),
// so every module's real path is inside the plain site as in a normal install: Astro does not compile
// components whose real path is outside the project root the same way.
mkdirSync(join(plain, 'node_modules/@astrojs'), { recursive: true });
const hardLink = spawnSync('cp', ['-al', join(root, 'node_modules/.pnpm'), join(plain, 'node_modules/.pnpm')], { stdio: 'inherit' });
if (hardLink.status !== 0) {
  console.error(`bench:docs: could not hard-link node_modules/.pnpm into ${plain} (code COPY_FAILED). Hint: the OS temp dir must be on the same file system as the repository; set TMPDIR.`);
  process.exit(2);
}
for (const dep of ['astro', '@astrojs/starlight', 'sharp']) {
  const inStore = relative(join(root, 'node_modules'), realpathSync(join(docs, 'node_modules', dep)));
  symlinkSync(relative(dirname(join(plain, 'node_modules', dep)), join(plain, 'node_modules', inStore)), join(plain, 'node_modules', dep));
}
// Its dependencies must be listed: Astro bundles (does not externalize) the integrations it finds there.
writeFileSync(
  join(plain, 'package.json'),
  JSON.stringify({ name: 'plain-starlight', private: true, type: 'module', dependencies: { astro: version('astro'), '@astrojs/starlight': version('@astrojs/starlight'), sharp: version('sharp') } }, null, 2),
);
writeFileSync(
  join(plain, 'astro.config.mjs'),
  `import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
export default defineConfig({
  site: 'https://example.invalid',
  integrations: [starlight({ title: 'Plain Starlight', sidebar: [
    { label: 'Start', items: [{ autogenerate: { directory: 'start' } }] },
    { label: 'Runbooks', items: [{ autogenerate: { directory: 'runbooks' } }] },
    { label: 'Checklists', items: [{ autogenerate: { directory: 'checklists' } }] },
    { label: 'Decisions', items: [{ autogenerate: { directory: 'decisions' } }] },
    { label: 'Guides', items: [{ autogenerate: { directory: 'guides' } }] },
    { label: 'Reference', items: [{ autogenerate: { directory: 'reference' } }] },
  ] })],
});
`,
);
mkdirSync(join(plain, 'src/content/docs'), { recursive: true });
writeFileSync(
  join(plain, 'src/content.config.ts'),
  `import { defineCollection } from 'astro:content';
import { docsLoader, i18nLoader } from '@astrojs/starlight/loaders';
import { docsSchema, i18nSchema } from '@astrojs/starlight/schema';
export const collections = {
  docs: defineCollection({ loader: docsLoader(), schema: docsSchema() }),
  i18n: defineCollection({ loader: i18nLoader(), schema: i18nSchema() }),
};
`,
);

/** The file's body under a frontmatter with only what Starlight needs: its title (and description). */
function asPlainPage(text, fallbackTitle) {
  const match = /^---\n([\s\S]*?)\n---\n?/.exec(text);
  const front = match ? match[1] : '';
  let body = match ? text.slice(match[0].length) : text;
  const field = (name) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(front)?.[1]?.trim().replace(/^['"]|['"]$/g, '');
  let title = field('title');
  const heading = /^#\s+(.+)$/m.exec(body);
  if (!title && heading) {
    title = heading[1];
    body = body.replace(heading[0], '');
  }
  const description = field('description');
  return `---\ntitle: ${JSON.stringify(title ?? fallbackTitle)}\n${description ? `description: ${JSON.stringify(description)}\n` : ''}---\n${body}`;
}
let pagesCopied = 0;
for (const [from, to] of [
  ['runbooks', 'runbooks'],
  ['checklists', 'checklists'],
  ['decisions', 'decisions'],
]) {
  mkdirSync(join(plain, 'src/content/docs', to), { recursive: true });
  for (const name of readdirSync(join(root, from)).filter((n) => n.endsWith('.md') && !n.startsWith('_') && n !== 'README.md')) {
    writeFileSync(join(plain, 'src/content/docs', to, name), asPlainPage(readFileSync(join(root, from, name), 'utf8'), basename(name, '.md')));
    pagesCopied++;
  }
}
cpSync(join(docs, 'src/content/docs'), join(plain, 'src/content/docs'), { recursive: true });
writeFileSync(join(plain, 'src/content/docs/index.md'), '---\ntitle: Plain Starlight\n---\nThe same Markdown, as plain Starlight pages.\n');

// ---- the builds -----------------------------------------------------------------------------------
const haveTime = existsSync('/usr/bin/time');
const env = { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', NO_COLOR: '1' };
/** A cold `astro build` in `cwd`: wall seconds, and the page count Astro printed. */
function build(cwd) {
  for (const cache of ['node_modules/.astro', '.astro']) rmSync(join(cwd, cache), { recursive: true, force: true });
  return new Promise((done, fail) => {
    const started = performance.now();
    // /usr/bin/time: the CPU seconds of the build and its children, which a busy machine inflates less than wall time.
    const timeFile = join(plain, `.time-${process.hrtime.bigint()}`);
    const command = haveTime ? ['/usr/bin/time', ['-f', '%U %S', '-o', timeFile, process.execPath, astroBin, 'build']] : [process.execPath, [astroBin, 'build']];
    const child = spawn(command[0], command[1], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return fail(new Error(`astro build in ${cwd} exited ${code}:\n${out.split('\n').slice(-30).join('\n')}`));
      const pages = Number(/(\d+) page\(s\) built/.exec(out)?.[1] ?? NaN);
      let cpu = NaN;
      if (haveTime && existsSync(timeFile)) {
        const [user, system] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
        cpu = user + system;
        rmSync(timeFile);
      }
      done({ seconds, cpu, pages });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

console.log(`docs build: plain Starlight (A) vs Readybook docs (B); Astro ${version('astro')}, Starlight ${version('@astrojs/starlight')}, Node ${process.version}`);
console.log(`A: ${plain} (${pagesCopied} Markdown files copied + the site's guides); B: ${docs}`);
console.log(`${PAIRS} pair(s), each build cold (content cache removed), alternating A/B\n`);
const a = [];
const b = [];
const cpuA = [];
const cpuB = [];
let pagesA = 0;
let pagesB = 0;
try {
  for (let i = 0; i < PAIRS; i++) {
    const ra = await build(plain);
    const rb = await build(docs);
    a.push(ra.seconds);
    b.push(rb.seconds);
    cpuA.push(ra.cpu);
    cpuB.push(rb.cpu);
    pagesA = ra.pages;
    pagesB = rb.pages;
    console.log(
      `pair ${i + 1}: A ${ra.seconds.toFixed(2)} s wall, ${ra.cpu.toFixed(2)} s CPU (${ra.pages} pages)  ` +
        `B ${rb.seconds.toFixed(2)} s wall, ${rb.cpu.toFixed(2)} s CPU (${rb.pages} pages)  B/A ${(rb.seconds / ra.seconds).toFixed(2)} wall, ${(rb.cpu / ra.cpu).toFixed(2)} CPU`,
    );
  }
} finally {
  if (!keep) rmSync(plain, { recursive: true, force: true });
}
const ratio = median(b) / median(a);
const cpuRatio = median(cpuB) / median(cpuA);
console.log(`\nmedian A (plain Starlight, ${pagesA} pages): ${median(a).toFixed(2)} s wall, ${median(cpuA).toFixed(2)} s CPU`);
console.log(`median B (Readybook docs, ${pagesB} pages):  ${median(b).toFixed(2)} s wall, ${median(cpuB).toFixed(2)} s CPU`);
console.log(`ratio B/A: ${ratio.toFixed(2)}× wall (target ≤ 1.30×), ${cpuRatio.toFixed(2)}× CPU`);
