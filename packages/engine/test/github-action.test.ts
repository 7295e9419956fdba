import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { block, step } from './behaviour-helpers.js';
import { BIN, NODE, runbook, workspace } from './helpers.js';

/**
 * The composite action (.github/actions/readybook) and the reusable workflow (readiness.yml):
 * they parse, have the keys GitHub needs, and the action's scripts do what they say when run by
 * bash as the runner runs them (`bash --noprofile --norc -eo pipefail`), against the real CLI.
 * actionlint is not available here; these checks are the part of it that matters for these files.
 */

const ROOT = resolve(import.meta.dirname, '../../..');
const read = (path: string) => parse(readFileSync(join(ROOT, path), 'utf8')) as Record<string, any>;
const action = read('.github/actions/readybook/action.yml');
const workflow = read('.github/workflows/readiness.yml');
type Step = { name?: string; id?: string; if?: string; uses?: string; run?: string; shell?: string; env?: Record<string, string>; with?: Record<string, unknown> };
const steps = action.runs.steps as Step[];
const stepNamed = (pattern: RegExp) => steps.find((s) => pattern.test(s.name ?? '')) as Step;

/** Runs one of the action's `run` scripts as the runner would, with its env as the step maps it. */
function runScript(s: Step, cwd: string, env: Record<string, string>) {
  const script = join(cwd, `.step-${process.hrtime.bigint()}.sh`);
  writeFileSync(script, s.run as string);
  return spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', timeout: 60_000 });
}

describe('the composite action', () => {
  it('parses and declares its inputs, outputs and composite steps', () => {
    expect(action).toMatchObject({ name: 'Readybook', runs: { using: 'composite' } });
    expect(typeof action.description).toBe('string');
    expect(action.inputs.runbook).toMatchObject({ required: true });
    for (const input of ['params', 'secret-params', 'checklist', 'store', 'junit', 'working-directory', 'readybook']) expect(action.inputs[input], input).toHaveProperty('default');
    expect(Object.keys(action.outputs)).toEqual(['exit-code', 'run-id', 'junit']);
    for (const s of steps.filter((s) => s.run)) {
      // Composite steps must name their shell; inputs reach scripts only through env.
      expect(s.shell, s.name).toBe('bash');
      expect(s.run, s.name).not.toContain('${{');
    }
    expect(stepNamed(/^Run the runbook/).env).toMatchObject({ READYBOOK_STORE: '${{ inputs.store }}', READYBOOK_RUNBOOK: '${{ inputs.runbook }}' });
  });

  it('uploads the run records and the JUnit files, never the signing key, even after a failure', () => {
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@')) as Step;
    expect(upload.uses).toBe('actions/upload-artifact@v4');
    expect(upload.if).toBe('always()');
    expect(upload.with).toMatchObject({ 'include-hidden-files': true });
    const paths = String(upload.with?.path).trim().split('\n');
    expect(paths).toEqual(['${{ inputs.working-directory }}/${{ inputs.home }}/runs/', '${{ inputs.working-directory }}/${{ inputs.junit }}', '${{ inputs.working-directory }}/${{ inputs.check-junit }}']);
    expect(String(upload.with?.path)).not.toContain('keys');
    const check = stepNamed(/checklist/);
    expect(check.if).toBe("always() && inputs.checklist != ''");
    expect(check.run).toContain('check "$READYBOOK_CHECKLIST" --junit "$READYBOOK_JUNIT"');
  });

  it("runs the runbook with the params given line by line, never as shell code, and records its outputs", () => {
    const ws = workspace();
    ws.write('echo.md', runbook('title: Echo\nparams:\n  MSG: { type: string, required: true }\n  KEEP: { type: number, default: 1 }', step('say', block('run', 'printf "%s|%s" "$MSG" "$KEEP" > said')), step('fail', block('run', 'exit 4'))));
    const output = join(ws.dir, 'github-output');
    const summary = join(ws.dir, 'summary.md');
    writeFileSync(output, '');
    const env = {
      ...(ws.env as Record<string, string>),
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      READYBOOK_RUNBOOK: 'echo.md',
      READYBOOK_PARAMS: '  MSG=hello, world; $(touch pwned) `touch pwned2`  \n\n# a comment\nKEEP=3',
      READYBOOK_YES: 'false',
      READYBOOK_JUNIT: 'reports/run.xml',
      READYBOOK_CMD: `${NODE} ${BIN}`,
      READYBOOK_ARTIFACT: '',
      READYBOOK_HOME: '.readybook',
      READYBOOK_STORE: '',
    };
    const r = runScript(stepNamed(/^Run the runbook/), ws.dir, env);
    // The step itself passes: the last step fails the job, after the evidence is uploaded.
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(ws.dir, 'said'), 'utf8')).toBe('hello, world; $(touch pwned) `touch pwned2`|3');
    expect(existsSync(join(ws.dir, 'pwned')) || existsSync(join(ws.dir, 'pwned2'))).toBe(false);
    const runId = readdirSync(join(ws.home, 'runs'))[0] as string;
    const outputs = Object.fromEntries(readFileSync(output, 'utf8').trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
    expect(outputs).toEqual({ 'exit-code': '1', 'run-id': runId, junit: 'reports/run.xml', artifact: `readybook-echo-${runId}` });
    expect(readFileSync(join(ws.dir, 'reports', 'run.xml'), 'utf8')).toMatch(/<testsuites name="readybook" tests="2" failures="1"/);
    expect(r.stdout).toContain('::error title=Step 2 "fail" failed');
    expect(readFileSync(summary, 'utf8')).toMatch(/^# Run /);

    const fail = stepNamed(/^Fail the job/);
    expect(runScript(fail, ws.dir, { READYBOOK_EXIT: outputs['exit-code'] as string }).status).toBe(1);
    expect(runScript(fail, ws.dir, { READYBOOK_EXIT: '' }).status).toBe(1);
    expect(runScript(fail, ws.dir, { READYBOOK_EXIT: '0' }).status).toBe(0);
  });

  it('gives secret params as environment variables, masked in the log and in everything written', () => {
    const ws = workspace();
    const secret = 'pa55-W0rd,with=signs';
    ws.write('sec.md', runbook('title: Sec\nparams:\n  TOKEN: { type: string, secret: true, required: true }', step('use', block('run', `test "$TOKEN" = '${secret}' && touch got-it; echo "token=$TOKEN"; exit 1`))));
    const output = join(ws.dir, 'github-output');
    writeFileSync(output, '');
    const env = { ...(ws.env as Record<string, string>), GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: output, READYBOOK_RUNBOOK: 'sec.md', READYBOOK_PARAMS: '', READYBOOK_YES: 'false', READYBOOK_JUNIT: 'run.xml', READYBOOK_CMD: `${NODE} ${BIN}`, READYBOOK_ARTIFACT: '', READYBOOK_HOME: '.readybook', READYBOOK_STORE: '' };
    const r = runScript(stepNamed(/^Run the runbook/), ws.dir, { ...env, READYBOOK_SECRET_PARAMS: `# comment\nTOKEN=${secret}\n` });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(ws.dir, 'got-it'))).toBe(true);
    // GitHub masks it in the log from here on; nothing Readybook wrote holds it.
    expect(r.stdout.split('\n')[0]).toBe(`::add-mask::${secret}`);
    const rest = r.stdout.split('\n').slice(1).join('\n') + r.stderr + readFileSync(join(ws.dir, 'run.xml'), 'utf8');
    expect(rest).toContain('token=***');
    expect(rest).not.toContain(secret);

    const bad = runScript(stepNamed(/^Run the runbook/), ws.dir, { ...env, READYBOOK_SECRET_PARAMS: `TOKEN ${secret}` });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toContain('::error title=readybook action::a secret-params line is not NAME=value (line not shown)');
    expect(bad.stdout + bad.stderr).not.toContain(secret);
  });

  it('a run refused before it starts has no run id, and a NO-GO checklist fails its step', () => {
    const ws = workspace();
    spawnSync('git', ['init', '-q', ws.dir]);
    const output = join(ws.dir, 'github-output');
    writeFileSync(output, '');
    const base = { ...(ws.env as Record<string, string>), GITHUB_OUTPUT: output, READYBOOK_CMD: `${NODE} ${BIN}`, READYBOOK_HOME: '.readybook', READYBOOK_STORE: '' };
    const r = runScript(stepNamed(/^Run the runbook/), ws.dir, { ...base, READYBOOK_RUNBOOK: 'missing', READYBOOK_PARAMS: '', READYBOOK_YES: 'false', READYBOOK_JUNIT: 'run.xml', READYBOOK_ARTIFACT: '' });
    expect(r.status).toBe(0);
    expect(readFileSync(output, 'utf8')).toContain('exit-code=2\nrun-id=\n');
    expect(readFileSync(output, 'utf8')).toContain('artifact=readybook-missing-no-run\n');

    mkdirSync(join(ws.dir, 'checklists'));
    ws.write('checklists/gate.md', ['---', 'title: Gate', 'gate: launch', 'owner: me', '---', '## Tools', '- [ ] missing file `command: test -e nothing-here`', ''].join('\n'));
    const check = runScript(stepNamed(/checklist/), ws.dir, { ...base, READYBOOK_CHECKLIST: 'gate', READYBOOK_JUNIT: 'check.xml' });
    expect(check.status).toBe(1);
    expect(check.stdout).toContain('NO-GO');
    expect(readFileSync(join(ws.dir, 'check.xml'), 'utf8')).toMatch(/tests="1" failures="1"/);
  });
});

describe('the reusable workflow', () => {
  it('is called with workflow_call, takes the store as a secret, and uses the action', () => {
    const call = workflow.on.workflow_call;
    expect(call.inputs.runbook).toMatchObject({ type: 'string', required: true });
    for (const input of ['params', 'checklist']) expect(call.inputs[input]).toMatchObject({ type: 'string', required: false });
    expect(call.secrets.READYBOOK_STORE).toMatchObject({ required: false });
    expect(call.secrets.READYBOOK_SECRET_PARAMS).toMatchObject({ required: false });
    expect(Object.keys(call.outputs)).toEqual(['exit-code', 'run-id']);
    const job = workflow.jobs.readiness;
    const uses = (job.steps as Step[]).find((s) => s.uses === './.github/actions/readybook') as Step;
    expect(uses.with).toMatchObject({ runbook: '${{ inputs.runbook }}', params: '${{ inputs.params }}', checklist: '${{ inputs.checklist }}', store: '${{ secrets.READYBOOK_STORE }}', 'secret-params': '${{ secrets.READYBOOK_SECRET_PARAMS }}' });
    expect(existsSync(join(ROOT, '.github/actions/readybook/action.yml'))).toBe(true);
    expect(job.outputs['exit-code']).toBe(`\${{ steps.${uses.id}.outputs.exit-code }}`);
    // Every action it uses is pinned to a major version.
    for (const s of job.steps as Step[]) if (s.uses && !s.uses.startsWith('./')) expect(s.uses).toMatch(/@v\d+$/);
  });

  it('every workflow of the repository parses and has jobs', () => {
    for (const file of readdirSync(join(ROOT, '.github/workflows'))) {
      const w = read(`.github/workflows/${file}`);
      expect(w.on, file).toBeDefined();
      expect(Object.keys(w.jobs ?? {}).length, file).toBeGreaterThan(0);
    }
  });
});
