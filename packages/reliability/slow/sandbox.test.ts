/**
 * Failure injection on the real runbooks, against the real sandbox (PostgreSQL + the demo service):
 * make each step of deploy and of restore fail in turn. The shipped runbooks are not edited: each
 * case runs a copy with `exit 1` appended to step N's run block, from a scratch folder whose
 * `packages` links to the repository's, so the copy finds the sandbox scripts where the original does.
 * After every failure, the previous release still answers over HTTP, the live rows are all there,
 * and the exit code says whether the rollback was clean.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunbook } from '@readybook/engine/parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { record } from '../src/figures.js';
import { cli, REPO, workspace, type Workspace } from '../src/harness.js';

const SANDBOX_SH = join(REPO, 'packages/sandbox/bin/sandbox.sh');
let ws: Workspace;
let sandbox: string;
const figures: Record<string, number> = { injectedFailures: 0, previousReleaseServing: 0, liveDataIntact: 0 };

/** The runbook with `exit 1` (or `process.exit(1)`) as the last line of step `index`'s run block. */
export function failAt(source: string, index: number): string | undefined {
  const { runbook } = parseRunbook(source, 'x.md');
  const run = runbook?.steps[index - 1]?.run;
  if (!run) return undefined;
  const lines = source.split('\n');
  const closing = run.line + run.code.split('\n').length; // 1-based line of the closing fence, as a 0-based index
  lines.splice(closing, 0, run.lang === 'js' ? 'process.exit(1);' : 'echo "injected failure" >&2; exit 1');
  return lines.join('\n');
}

function sh(script: string): string {
  return execFileSync('bash', ['-c', `source "${sandbox}/env"; ${script}`], { encoding: 'utf8', timeout: 60_000 }).trim();
}

/** The live rows other than the smoke test's own (a smoke test that ran before the failure leaves one). */
const rows = () => sh(`psql -tAc "select id || ':' || name from items where name not like 'smoke-%' order by id"`);
async function serving(): Promise<string> {
  const port = sh('echo $SERVICE_PORT');
  const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
  return res?.ok ? ((await res.json()) as { version: string }).version : 'down';
}

async function run(_name: string, file: string, params: string[]) {
  return cli(['run', file, '--yes', '--json', '--param', `SANDBOX=${sandbox}`, ...params.flatMap((p) => ['--param', p])], { cwd: ws.dir, env: ws.env, timeout: 600_000 });
}

beforeAll(async () => {
  ws = workspace('rb-sandbox-');
  sandbox = join(ws.dir, 'sandbox');
  execFileSync('bash', [SANDBOX_SH, 'up', sandbox], { stdio: 'ignore', timeout: 300_000 });
  mkdirSync(join(ws.dir, 'runbooks'));
  symlinkSync(join(REPO, 'packages'), join(ws.dir, 'packages'));
  for (const name of ['deploy', 'restore', 'backup']) writeFileSync(join(ws.dir, 'runbooks', `${name}.md`), readFileSync(join(REPO, 'runbooks', `${name}.md`)));
  const v1 = await run('deploy', 'runbooks/deploy.md', ['VERSION=v1']);
  expect(v1.code, v1.stderr).toBe(0);
  sh(`psql -qc "insert into items (name) select 'before-backup-' || g from generate_series(1, 5) g"`);
  const backup = await run('backup', 'runbooks/backup.md', []);
  expect(backup.code, backup.stderr).toBe(0);
  sh(`psql -qc "insert into items (name) select 'after-backup-' || g from generate_series(1, 3) g"`);
}, 900_000);

afterAll(() => {
  try {
    execFileSync('bash', [SANDBOX_SH, 'down', sandbox], { stdio: 'ignore', timeout: 120_000 });
  } catch {
    // best effort
  }
  record('sandbox', figures);
});

for (const name of ['deploy', 'restore'] as const) {
  describe(`${name}.md: every step fails in turn`, () => {
    const source = readFileSync(join(REPO, 'runbooks', `${name}.md`), 'utf8');
    const steps = parseRunbook(source, `${name}.md`).runbook?.steps ?? [];
    for (const step of steps.filter((s) => s.run)) {
      it(`step ${step.index} "${step.title}" fails: v1 still serves, the live rows are intact, exit 1`, async () => {
        const before = { version: await serving(), rows: rows() };
        expect(before.version).toBe('v1');
        const file = `runbooks/${name}-fail-${step.index}.md`;
        writeFileSync(join(ws.dir, file), failAt(source, step.index) as string);
        const r = await run(name, file, name === 'deploy' ? ['VERSION=v2'] : []);
        figures.injectedFailures = (figures.injectedFailures ?? 0) + 1;
        const end = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).at(-1);
        expect(end?.type).toBe('run.end');
        expect(end?.failedStep?.index).toBe(step.index);
        // 1: rolled back cleanly; 3 would mean a rollback block failed and a human must look.
        expect(r.code, `exit ${r.code}: ${end?.error}\n${r.stderr}`).toBe(1);
        expect(await serving(), 'the previous release no longer serves').toBe('v1');
        figures.previousReleaseServing = (figures.previousReleaseServing ?? 0) + 1;
        expect(rows(), 'live rows changed').toBe(before.rows);
        expect(before.rows.split('\n').length).toBeGreaterThanOrEqual(8);
        figures.liveDataIntact = (figures.liveDataIntact ?? 0) + 1;
      });
    }
  });
}
