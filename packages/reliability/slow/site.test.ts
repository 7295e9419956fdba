/**
 * The site at scale and on bad input. The docs app is copied to a scratch folder (so its dist/ and
 * caches are not the ones a developer is using) and built with READYBOOK_CONTENT_ROOT pointing at
 * generated content: 500 runbooks and 200 ADRs; then at 3 bad runbooks, which must fail the build
 * with the same diagnostics `readybook validate` prints.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { record } from '../src/figures.js';
import { cli, fence, PACKAGE_DIR, REPO, runbook, workspace } from '../src/harness.js';

const DOCS = join(REPO, 'apps/docs');
const figures: Record<string, number> = {};

/** A private copy of apps/docs whose node_modules are the real ones. */
function docsCopy(): string {
  // Inside the repository, so Vite finds the pnpm workspace root and may serve files from its node_modules.
  const root = mkdtempSync(join(PACKAGE_DIR, '.site-'));
  const app = join(root, 'apps/docs');
  mkdirSync(app, { recursive: true });
  for (const entry of ['src', 'public', 'astro.config.ts', 'package.json', 'tsconfig.json']) {
    if (existsSync(join(DOCS, entry))) cpSync(join(DOCS, entry), join(app, entry), { recursive: true });
  }
  symlinkSync(join(DOCS, 'node_modules'), join(app, 'node_modules'));
  symlinkSync(join(REPO, 'packages'), join(root, 'packages'));
  // Keep Astro's content cache in the copy, not in the shared node_modules.
  const config = join(app, 'astro.config.ts');
  writeFileSync(config, readFileSync(config, 'utf8').replace('export default defineConfig({', "export default defineConfig({\n  cacheDir: './.cache',"));
  return app;
}

function build(app: string, contentRoot: string): Promise<{ code: number; out: string; ms: number }> {
  return new Promise((done) => {
    const started = performance.now();
    // vitest runs on the pinned Node 24, which Astro needs.
    const child = spawn(process.execPath, [join(app, 'node_modules/astro/bin/astro.mjs'), 'build'], {
      cwd: app,
      env: { ...process.env, READYBOOK_CONTENT_ROOT: contentRoot, READYBOOK_HOME: join(contentRoot, '.readybook'), ASTRO_TELEMETRY_DISABLED: '1', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('close', (code) => done({ code: code ?? -1, out, ms: performance.now() - started }));
  });
}

function content(runbooks: number, adrs: number): string {
  const ws = workspace('rb-content-');
  // The repository's own content first: the site's guides link to it.
  for (const dir of ['runbooks', 'decisions', 'checklists', 'evidence', 'monitoring']) {
    if (existsSync(join(REPO, dir))) cpSync(join(REPO, dir), join(ws.dir, dir), { recursive: true });
    else mkdirSync(join(ws.dir, dir));
  }
  for (let i = 1; i <= runbooks; i += 1) {
    ws.write(
      `runbooks/generated-${String(i).padStart(3, '0')}.md`,
      runbook(
        [`title: Generated runbook ${i}`, `description: Runbook ${i} of ${runbooks}, made by the reliability suite.`, 'owner: reliability', 'tags: [generated]', 'params:', '  TARGET:', '    type: string', '    default: staging'].join('\n'),
        `Checks, changes and verifies target "$TARGET" (${i}).`,
        ...[1, 2, 3].map((s) => `## Step ${s} of runbook ${i}\n\nWhat step ${s} does.\n\n${fence}sh run timeout=5m\necho "step ${s} on $TARGET"\n${fence}\n\n${fence}sh verify\ntest -n "$TARGET"\n${fence}\n\n${fence}sh rollback\necho "undo ${s}"\n${fence}\n`),
      ),
    );
  }
  for (let i = 1; i <= adrs; i += 1) {
    const n = String(1000 + i);
    ws.write(`decisions/${n}-generated-decision-${i}.md`, `---\nnumber: ${1000 + i}\ntitle: Generated decision ${i}\nstatus: accepted\ndate: 2026-11-24\ndeciders: [reliability]\n---\n\n## Context\n\nDecision ${i} of ${adrs}.\n\n## Decision\n\nWe do ${i}.\n\n## Consequences\n\nNone.\n`);
  }
  return ws.dir;
}

function pages(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.html'))
    .map((e) => join(e.parentPath, e.name));
}

describe('the site', () => {
  it('builds 500 runbooks and 200 ADRs', async () => {
    const app = docsCopy();
    const root = content(500, 200);
    const r = await build(app, root);
    writeFileSync(join(app, 'build.log'), r.out);
    expect(r.code, `the site build failed; the end of its log:\n${r.out.slice(-3000)}`).toBe(0);
    const html = pages(join(app, 'dist'));
    expect(html.length).toBeGreaterThanOrEqual(700);
    const largest = html.map((p) => ({ p, size: statSync(p).size })).sort((a, b) => b.size - a.size)[0] as { p: string; size: number };
    const text = readFileSync(largest.p, 'utf8');
    const scripts = [...text.matchAll(/<script[^>]*src="([^"]+\.js)"/g), ...text.matchAll(/import\s*["']([^"']+\.js)["']/g)].map((m) => m[1] as string);
    const jsBytes = [...new Set(scripts)].map((src) => join(app, 'dist', src.replace(/^\//, ''))).filter(existsSync).reduce((sum, f) => sum + statSync(f).size, 0);
    Object.assign(figures, {
      sitePages: html.length,
      siteBuildMs: Math.round(r.ms),
      siteMsPerPage: Math.round((r.ms / html.length) * 10) / 10,
      siteLargestHtmlKiB: Math.round(largest.size / 1024),
      siteLargestJsKiB: Math.round(jsBytes / 1024),
      siteLargestPage: largest.p.slice(join(app, 'dist').length) as unknown as number,
    });
  });

  it('rejects 3 bad runbooks with the diagnostics `readybook validate` prints', async () => {
    const app = docsCopy();
    const root = content(0, 0);
    const bad = ['unterminated-fence.md', 'two-run-blocks.md', 'param-name-lowercase.md'];
    for (const name of bad) writeFileSync(join(root, 'runbooks', name), readFileSync(join(PACKAGE_DIR, 'corpus/runbooks', name)));
    const validate = await cli(['validate', ...bad.map((b) => `runbooks/${b}`)], { cwd: root });
    const expected = validate.stderr.split('\n').filter((l) => / error RB\d{3}: /.test(l));
    expect(expected.length).toBeGreaterThanOrEqual(3);
    const r = await build(app, root);
    expect(r.code).not.toBe(0);
    for (const line of expected) expect(r.out, `the build does not print: ${line}`).toContain(line);
  });
});

afterAll(() => {
  record('site', figures);
  if (process.env.RELIABILITY_KEEP_SITE !== '1') for (const dir of readdirSync(PACKAGE_DIR).filter((d) => d.startsWith('.site-'))) rmSync(join(PACKAGE_DIR, dir), { recursive: true, force: true });
});
