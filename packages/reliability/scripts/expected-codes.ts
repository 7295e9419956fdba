/**
 * Writes corpus/expected-codes.json: for each malformed file of the corpus, the code of the first
 * error the engine rejects it with. The bad-input tests then hold every file to its code, so a change
 * that rejects a file for another reason (or by luck) fails. Run after adding corpus files, and read
 * the diff: each new line should name the mistake the file was written to make.
 *
 *   pnpm --filter @readybook/reliability exec tsx scripts/expected-codes.ts
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { validateAdr } from '@readybook/engine';
import { cli, DIAGNOSTIC, PACKAGE_DIR, pool, workspace } from '../src/harness.js';

const CORPUS = join(PACKAGE_DIR, 'corpus');
const files = (kind: string) => readdirSync(join(CORPUS, kind)).filter((f) => f.endsWith('.md')).sort();

/** The first error code the output names for `rel`. */
function firstCode(output: string, rel: string): string | undefined {
  for (const line of output.split('\n')) {
    const m = DIAGNOSTIC.exec(line);
    if (m && m[1] === rel) return m[4];
  }
  return undefined;
}

const expected: Record<string, string> = {};
const ws = workspace('rb-codes-');
const runbooks = files('runbooks').map((n) => `corpus/runbooks/${n}`);
const all = await cli(['validate', ...runbooks], { cwd: PACKAGE_DIR, env: ws.env, timeout: 120_000 });
for (const rel of runbooks) expected[rel] = firstCode(all.stderr, rel) ?? 'none';
await pool(files('checklists'), 3, async (name) => {
  const rel = `corpus/checklists/${name}`;
  const r = await cli(['check', rel, '--no-write'], { cwd: PACKAGE_DIR, env: ws.env, timeout: 30_000 });
  expected[rel] = firstCode(`${r.stdout}\n${r.stderr}`, rel) ?? 'none';
});
for (const name of files('adrs')) {
  const path = join(CORPUS, 'adrs', name);
  expected[`corpus/adrs/${name}`] = validateAdr(path, relative(PACKAGE_DIR, path))[0]?.code ?? 'none';
}
const sorted = Object.fromEntries(Object.entries(expected).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(join(CORPUS, 'expected-codes.json'), `${JSON.stringify(sorted, null, 1)}\n`);
const missing = Object.entries(sorted).filter(([, code]) => code === 'none');
console.log(`${Object.keys(sorted).length} files; ${missing.length} without a code${missing.length ? `: ${missing.map(([f]) => f).join(', ')}` : ''}`);
