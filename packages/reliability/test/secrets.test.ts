/**
 * Secrets: a canary passed as a `secret: true` param is echoed, split across writes, traced by
 * `set -x`, written to outputs, thrown in an error and put on a failing command line. Then every
 * artifact a run leaves is searched for it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { record } from '../src/figures.js';
import { cli, fence, readTree, runAndKill, runbook, runDirs, workspace } from '../src/harness.js';

let leaks = 0;
let artifactsSearched = 0;

const SOURCE = runbook(
  [
    'title: Secret canary',
    'params:',
    '  SECRET:',
    '    type: string',
    '    secret: true',
    '    required: true',
    '  FAIL:',
    '    type: boolean',
    '    default: true',
  ].join('\n'),
  `## Echo it\n\n${fence}sh run\necho "the secret is $SECRET"\necho "on stderr: $SECRET" >&2\nprintf '%s' "\${SECRET:0:6}"; sleep 0.2; printf '%s\\n' "\${SECRET:6}"\necho "TOKEN_COPY=$SECRET" >> "$READYBOOK_OUTPUT"\necho "DSN=postgres://app:$SECRET@db:5432/app" >> "$READYBOOK_OUTPUT"\n${fence}\n\n${fence}sh verify\ntest "$TOKEN_COPY" = "$SECRET" && echo "verified $TOKEN_COPY"\n${fence}\n\n${fence}sh rollback\necho "rolling back with $SECRET and $DSN"\n${fence}\n`,
  `## Trace it\n\n${fence}sh run\nset -x\ncurl_like() { return 0; }\ncurl_like --header "Authorization: Bearer $SECRET" https://example.invalid\n${fence}\n\n${fence}sh rollback\nset -x\n: "$SECRET"\n${fence}\n`,
  `## Throw it from js\n\n${fence}js run\nconsole.log('js sees', params.SECRET, outputs.DSN);\nconst r = await $({ nothrow: true })\`sh -c \${'echo failing with ' + params.SECRET + ' >&2; exit 0'}\`;\nconsole.error(r.stderr);\n${fence}\n`,
  `## Fail with it\n\n${fence}sh run\nif [ "$FAIL" = true ]; then ls "/nonexistent/$SECRET"; fi\n${fence}\n`,
);

function search(secret: string, artifacts: Array<{ path: string; text: string }>): string[] {
  artifactsSearched += artifacts.length;
  // The whole value and any long piece of it (a secret split across writes must not slip through in halves).
  const pieces = [secret, JSON.stringify(secret).slice(1, -1), secret.slice(0, 12), secret.slice(-12)];
  return artifacts.filter((a) => pieces.some((p) => a.text.includes(p))).map((a) => a.path);
}

describe('a secret param never reaches an artifact', () => {
  it.each([
    ['plain', ''],
    ['with quotes, a backslash and a space', `'q" \\b s`],
  ])('%s: is masked in the terminal, --json, journal, logs, outputs, reports, runs and evidence', async (_name, extra) => {
    const secret = `CANARY${randomBytes(8).toString('hex')}${extra}${randomBytes(8).toString('hex')}`;
    const ws = workspace('rb-secret-');
    ws.write('secret.md', SOURCE);
    ws.write('runbooks/.keep', '');
    const artifacts: Array<{ path: string; text: string }> = [];
    // As in a GitHub Actions job: JUnit files, the job summary and annotations are artifacts too.
    const gh = { ...ws.env, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(ws.dir, 'ci', 'summary.md'), GITHUB_WORKSPACE: ws.dir };
    mkdirSync(join(ws.dir, 'ci'));
    const human = await cli(['run', 'secret.md', '--param', `SECRET=${secret}`, '--verbose', '--junit', 'ci/human.xml'], { cwd: ws.dir, env: gh });
    expect(human.code, human.stderr).toBe(1);
    artifacts.push({ path: 'run: stdout', text: human.stdout }, { path: 'run: stderr', text: human.stderr });
    const json = await cli(['run', 'secret.md', '--json', '--junit', 'ci/json.xml'], { cwd: ws.dir, env: { ...gh, SECRET: secret } });
    expect(json.code, json.stderr).toBe(1);
    artifacts.push({ path: 'run --json: stdout', text: json.stdout }, { path: 'run --json: stderr', text: json.stderr });
    const passing = await cli(['run', 'secret.md', '--json', '--param', 'FAIL=false'], { cwd: ws.dir, env: { ...ws.env, SECRET: secret } });
    expect(passing.code, passing.stderr).toBe(0);
    artifacts.push({ path: 'passing run --json: stdout', text: passing.stdout });
    // The js block really saw the secret (so masking, not absence, keeps it out).
    expect(json.stdout).toMatch(/js sees \*\*\*/);

    // Killed mid-run, then resumed with the secret from the environment.
    const killed = await runAndKill(['run', 'secret.md', '--json'], { cwd: ws.dir, env: { ...ws.env, SECRET: secret }, killAfter: (e) => e.type === 'step.end' && e.step.index === 2 });
    artifacts.push({ path: 'killed run: stdout', text: killed.stdout });
    const resumed = await cli(['resume', killed.events[0]?.runId as string, '--json', '--junit', 'ci/resumed.xml'], { cwd: ws.dir, env: { ...gh, SECRET: secret } });
    expect(resumed.code, resumed.stderr).toBe(1);
    artifacts.push({ path: 'resume: stdout', text: resumed.stdout }, { path: 'resume: stderr', text: resumed.stderr });

    const plan = await cli(['plan', 'secret.md', '--param', `SECRET=${secret}`], { cwd: ws.dir, env: ws.env });
    artifacts.push({ path: 'plan', text: plan.stdout + plan.stderr });
    const planJson = await cli(['plan', 'secret.md', '--json', '--param', `SECRET=${secret}`], { cwd: ws.dir, env: ws.env });
    artifacts.push({ path: 'plan --json', text: planJson.stdout + planJson.stderr });
    for (const dir of runDirs(ws.home)) {
      const id = dir.split('/').pop() as string;
      for (const format of ['md', 'json']) {
        const r = await cli(['report', id, '--format', format], { cwd: ws.dir, env: ws.env });
        expect(r.code).toBe(0);
        artifacts.push({ path: `report ${id} --format ${format}`, text: r.stdout });
      }
      const evidence = await cli(['evidence', 'add', id], { cwd: ws.dir, env: ws.env });
      artifacts.push({ path: `evidence add ${id}`, text: evidence.stdout + evidence.stderr });
    }
    const runs = await cli(['runs', '--json'], { cwd: ws.dir, env: ws.env });
    expect(runs.code).toBe(0);
    artifacts.push({ path: 'runs --json', text: runs.stdout }, { path: 'runs', text: (await cli(['runs'], { cwd: ws.dir, env: ws.env })).stdout });
    // Every file the runs left: journal, step logs, scripts, outputs, reports, locks, evidence.
    artifacts.push(...readTree(ws.home), ...readTree(join(ws.dir, 'evidence')), ...readTree(join(ws.dir, 'ci')));
    expect(readdirSync(join(ws.dir, 'ci')).sort()).toEqual(['human.xml', 'json.xml', 'resumed.xml', 'summary.md']);
    expect(human.stdout).toMatch(/^::error title=Step \d+ "[^"]+" failed/m);
    expect(readdirSync(join(ws.home, 'runs')).length).toBeGreaterThanOrEqual(4);

    const found = search(secret, artifacts);
    leaks += found.length;
    expect(found, `the canary leaked into: ${found.join(', ')}`).toEqual([]);
  });
});

afterAll(() => {
  record('secrets', { secretsLeaked: leaks, secretArtifactsSearched: artifactsSearched });
});
