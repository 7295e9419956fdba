import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { block, step } from './behaviour-helpers.js';
import { cli, runbook, workspace } from './helpers.js';
import { journalOf, MODES, runIn, startIn, until } from './modes.js';

/**
 * CI-native output (issue 19): `--junit <file>` for run, resume, check and validate, and under
 * GitHub Actions the job summary ($GITHUB_STEP_SUMMARY) and `::error` workflow commands. Each
 * behaviour runs through the real CLI in the three presenters; the XML is parsed, not grepped.
 */

interface Case {
  name: string;
  classname: string;
  time?: string;
  file?: string;
  failure?: { message: string; type: string; '#text'?: string };
  error?: { message: string; type: string; '#text'?: string };
  skipped?: unknown;
  'system-out'?: string;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) });

/** The JUnit file parsed: its cases, what they count (from the elements), and what the root attributes say. */
function junit(path: string) {
  const text = readFileSync(path, 'utf8');
  const doc = parser.parse(text, true) as { testsuites: { tests: string; failures: string; skipped: string; errors: string; testsuite: Array<{ name: string; property?: never; properties?: { property: Array<{ name: string; value: string }> }; testcase: Case[] }> } };
  const suites = doc.testsuites.testsuite;
  const cases = suites.flatMap((s) => s.testcase ?? []);
  const counted = { tests: cases.length, failures: cases.filter((c) => c.failure !== undefined).length, errors: cases.filter((c) => c.error !== undefined).length, skipped: cases.filter((c) => c.skipped !== undefined).length };
  const declared = { tests: Number(doc.testsuites.tests), failures: Number(doc.testsuites.failures), errors: Number(doc.testsuites.errors), skipped: Number(doc.testsuites.skipped) };
  const properties = Object.fromEntries((suites[0]?.properties?.property ?? []).map((p) => [p.name, p.value]));
  return { text, suites, cases, counted, declared, properties, byName: (name: string) => cases.find((c) => c.name === name) as Case };
}

const detail = (c: Case | undefined) => String(c?.failure?.['#text'] ?? c?.error?.['#text'] ?? '');

/** A workspace that looks like a GitHub Actions job: its summary file and workspace root. */
function actions() {
  const ws = workspace();
  spawnSync('git', ['init', '-q', ws.dir]);
  const summary = join(ws.dir, 'summary.md');
  return { ...ws, summary, env: { ...ws.env, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, GITHUB_WORKSPACE: ws.dir } };
}

const SECRET = 'hunter2-Sekr3t';
const FAILING = runbook(
  'title: CI failing\nparams:\n  TOKEN: { type: string, secret: true, required: true }',
  step('prepare', block('run', 'echo prepared'), block('rollback', 'echo undo-prepare')),
  step('deploy', block('run', `echo "using $TOKEN"; printf '\\033[31mred alert\\033[0m ]]> done ]]> twice\\n'; exit 3`)),
  step('announce', block('run', 'echo never')),
);

describe.each(MODES)('%s', (mode) => {
  it('run --junit: a case per step, the failure with its masked tail, skipped when not reached; summary and annotations', async () => {
    const ws = actions();
    ws.write('ci.md', FAILING);
    const result = await runIn(mode, ['run', 'ci.md', '--param', `TOKEN=${SECRET}`, '--junit', 'reports/ci.xml'], { cwd: ws.dir, env: ws.env });
    expect(result.code, result.raw).toBe(1);
    const j = junit(join(ws.dir, 'reports', 'ci.xml'));
    expect(j.counted).toEqual({ tests: 3, failures: 1, errors: 0, skipped: 1 });
    expect(j.declared).toEqual(j.counted);
    expect(j.cases.map((c) => [c.name, c.classname])).toEqual([['prepare', 'ci'], ['deploy', 'ci'], ['announce', 'ci']]);
    expect(j.properties).toMatchObject({ status: 'rolled-back', exitCode: '1', runbook: 'ci.md' });
    const deploy = j.byName('deploy');
    expect(deploy.failure).toMatchObject({ message: 'the run block exited with code 3', type: 'run' });
    // The tail, masked, cleaned of terminal escapes, with `]]>` kept out of the CDATA.
    expect(detail(deploy)).toContain('using ***');
    expect(detail(deploy)).toContain('red alert ]] > done ]] > twice');
    expect(detail(deploy)).not.toMatch(/\u001b/);
    expect(Number(deploy.time)).toBeGreaterThanOrEqual(0);
    expect(j.byName('prepare')['system-out']).toMatch(/rollback: rolled back \(exit 0\)/);
    expect(j.byName('announce')['system-out']).toBe('not reached: the run ended rolled-back');
    // The job summary is the run's report.md.
    const summary = readFileSync(ws.summary, 'utf8');
    const runId = journalOf(ws.home)[0]?.runId as string;
    expect(summary).toBe(`${readFileSync(join(ws.home, 'runs', runId, 'report.md'), 'utf8')}\n`);
    expect(summary).toMatch(/\| 2 \| deploy \| failed \| 1 \|/);
    // One annotation for the failed step, at its heading (line 15 of ci.md).
    expect(result.raw).toContain('::error title=Step 2 "deploy" failed,file=ci.md,line=15::the run block exited with code 3%0Ausing ***%0Ared alert ]]> done ]]> twice');
    for (const text of [j.text, summary, result.raw]) expect(text).not.toContain(SECRET);
  });

  it('an interrupted run still writes its JUnit file, and it says interrupted', async () => {
    const ws = actions();
    ws.write('int.md', runbook('title: Int', step('a', block('run', 'true'), block('rollback', 'echo undone')), step('long', block('run', 'touch started; sleep 60')), step('after', block('run', 'true'))));
    const run = startIn(mode, ['run', 'int.md', '--junit', 'int.xml'], { cwd: ws.dir, env: ws.env });
    await until(() => existsSync(join(ws.dir, 'started')));
    if (mode === 'pty') run.type('\u0003');
    else run.signal('SIGTERM');
    const result = await run.done;
    expect(result.code, result.raw).toBe(130);
    const j = junit(join(ws.dir, 'int.xml'));
    expect(j.properties).toMatchObject({ status: 'interrupted', exitCode: '130' });
    expect(j.counted).toEqual({ tests: 3, failures: 1, errors: 0, skipped: 1 });
    expect(j.byName('long').failure).toMatchObject({ type: 'interrupted' });
    expect(j.byName('a')['system-out']).toMatch(/rolled back/);
    expect(j.byName('after').skipped).toBeDefined();
    expect(result.raw).toContain('::error title=Step 2 "long" interrupted,file=int.md,line=');
    expect(result.raw).toContain('::error title=Readybook run interrupted::');
    expect(readFileSync(ws.summary, 'utf8')).toMatch(/\*\*Status:\*\* interrupted \(exit 130\)/);
  });

  it('check --junit: a case per item, failures for the items that block; summary and annotations', async () => {
    const ws = actions();
    mkdirSync(join(ws.dir, 'checklists'));
    ws.write('checklists/gate.md', ['---', 'title: Gate', 'gate: launch', 'owner: me', 'max-age: 7d', '---', '# Gate', '## Tools', '- [ ] the shell works `command: test -d .`', '- [ ] a file exists `command: test -e missing`', ''].join('\n'));
    const result = await runIn(mode, ['check', 'gate', '--junit', 'out/gate.xml'], { cwd: ws.dir, env: ws.env });
    expect(result.code, result.raw).toBe(1);
    const j = junit(join(ws.dir, 'out', 'gate.xml'));
    expect(j.counted).toEqual({ tests: 2, failures: 1, errors: 0, skipped: 0 });
    expect(j.declared).toEqual(j.counted);
    expect(j.properties).toMatchObject({ verdict: 'NO-GO', gate: 'launch', checklist: 'checklists/gate.md' });
    expect(j.cases.map((c) => [c.classname, c.name])).toEqual([['gate.Tools', 'the shell works'], ['gate.Tools', 'a file exists']]);
    expect(j.byName('a file exists').failure).toMatchObject({ type: 'fail' });
    expect(j.byName('a file exists').failure?.message).toMatch(/^fail: /);
    expect(detail(j.byName('a file exists'))).toContain('checklists/gate.md:10: a file exists');
    const summary = readFileSync(ws.summary, 'utf8');
    expect(summary).toMatch(/^# ❌ NO-GO: Gate/);
    expect(summary).toContain('| Tools | a file exists (line 10) | fail |');
    expect(result.raw).toContain('::error file=checklists/gate.md,line=10,title=NO-GO launch%3A fail::Tools › a file exists: ');
  });

  it('validate --junit: a case per runbook, failing with its file:line diagnostics; annotations', async () => {
    const ws = actions();
    mkdirSync(join(ws.dir, 'runbooks'));
    ws.write('runbooks/good.md', runbook('title: Good', step('one', block('run', 'true'))));
    ws.write('runbooks/bad.md', runbook('title: Bad', step('same', block('run', 'true')), step('same', block('run', 'true'))));
    const result = await runIn(mode, ['validate', '--junit', 'validate.xml'], { cwd: ws.dir, env: ws.env });
    expect(result.code, result.raw).toBe(2);
    const j = junit(join(ws.dir, 'validate.xml'));
    expect(j.counted).toEqual({ tests: 2, failures: 1, errors: 0, skipped: 0 });
    expect(j.cases.map((c) => c.name).sort()).toEqual(['runbooks/bad.md', 'runbooks/good.md']);
    const bad = j.byName('runbooks/bad.md');
    expect(bad.failure).toMatchObject({ type: 'RB011' });
    expect(detail(bad)).toMatch(/^runbooks\/bad\.md:10:1: error RB011: /);
    expect(result.raw).toMatch(/::error file=runbooks\/bad\.md,line=10,col=1,title=RB011::.+%0A/);
    // The job summary: the count, a row per runbook, each diagnostic at its file:line.
    const summary = readFileSync(ws.summary, 'utf8');
    expect(summary).toMatch(/^# ❌ 1\/2 runbooks valid, 1 error\n/);
    expect(summary).toContain('| `runbooks/good.md` | ✅ valid |');
    expect(summary).toContain('| `runbooks/bad.md` | ❌ 1 error |');
    expect(summary).toMatch(/\| `runbooks\/bad\.md:10:1` \| error \| RB011 \| /);
  });

  it('resume --junit reports the whole run, steps passed before the resume included', async () => {
    const ws = workspace();
    ws.write('re.md', runbook('title: Re', step('one', block('run', 'true')), step('gate', block('run', 'test -e ready')), step('three', block('run', 'true'))));
    const first = cli(['run', 're.md', '--no-rollback', '--junit', 'first.xml'], { cwd: ws.dir, env: ws.env });
    expect(first.code).toBe(5);
    expect(junit(join(ws.dir, 'first.xml')).counted).toEqual({ tests: 3, failures: 1, errors: 0, skipped: 1 });
    writeFileSync(join(ws.dir, 'ready'), '');
    const runId = journalOf(ws.home)[0]?.runId as string;
    const resumed = await runIn(mode, ['resume', runId, '--junit', 'resumed.xml'], { cwd: ws.dir, env: ws.env });
    expect(resumed.code, resumed.raw).toBe(0);
    const j = junit(join(ws.dir, 'resumed.xml'));
    expect(j.counted).toEqual({ tests: 3, failures: 0, errors: 0, skipped: 0 });
    expect(j.properties).toMatchObject({ runId, status: 'passed' });
  });

  it('an interrupted check writes a JUnit file with one failing case and no verdict', async () => {
    const ws = actions();
    mkdirSync(join(ws.dir, 'checklists'));
    ws.write('checklists/slow.md', ['---', 'title: Slow', 'gate: launch', 'owner: me', '---', '## Tools', '- [ ] slow `command(timeout=60s): touch started; sleep 30`', ''].join('\n'));
    const run = startIn(mode, ['check', 'slow', '--junit', 'slow.xml'], { cwd: ws.dir, env: ws.env });
    await until(() => existsSync(join(ws.dir, 'started')));
    if (mode === 'pty') run.type('\u0003');
    else run.signal('SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(130);
    const j = junit(join(ws.dir, 'slow.xml'));
    expect(j.counted).toEqual({ tests: 1, failures: 1, errors: 0, skipped: 0 });
    const signal = mode === 'pty' ? 'SIGINT' : 'SIGTERM';
    expect(j.cases[0]?.failure?.message).toMatch(new RegExp(`^interrupted: interrupted by ${signal}`));
    expect(result.raw).toContain(`::error title=Readybook check slow interrupted::interrupted by ${signal}`);
  });
});

describe('CI output, any presenter', () => {
  it('--json under GitHub Actions: stdout is JSON lines only, annotations go to stderr', () => {
    const ws = actions();
    ws.write('ci.md', FAILING);
    const r = cli(['run', 'ci.md', '--param', `TOKEN=${SECRET}`, '--json', '--junit', 'ci.xml'], { cwd: ws.dir, env: ws.env });
    expect(r.code).toBe(1);
    for (const line of r.stdout.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    expect(r.stderr).toContain('::error title=Step 2 "deploy" failed,file=ci.md,line=15::');
    expect(junit(join(ws.dir, 'ci.xml')).counted.failures).toBe(1);
    expect(r.stdout + r.stderr + readFileSync(ws.summary, 'utf8')).not.toContain(SECRET);
  });

  it('without GITHUB_ACTIONS=true nothing is annotated and no summary is written', () => {
    const ws = actions();
    ws.write('ci.md', FAILING);
    const r = cli(['run', 'ci.md', '--param', `TOKEN=${SECRET}`, '--junit', 'ci.xml'], { cwd: ws.dir, env: { ...ws.env, GITHUB_ACTIONS: 'false' } });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain('::error');
    expect(existsSync(ws.summary)).toBe(false);
    expect(junit(join(ws.dir, 'ci.xml')).counted).toMatchObject({ tests: 3, failures: 1 });
  });

  it('a passing run: no failures, nothing skipped', () => {
    const ws = workspace();
    ws.write('ok.md', runbook('title: OK', step('one', block('run', 'echo 1')), step('two', block('run', 'echo 2'), block('verify', 'true'))));
    const r = cli(['run', 'ok.md', '--junit', 'ok.xml'], { cwd: ws.dir, env: ws.env });
    expect(r.code, r.stderr).toBe(0);
    const j = junit(join(ws.dir, 'ok.xml'));
    expect(j.counted).toEqual({ tests: 2, failures: 0, errors: 0, skipped: 0 });
    expect(j.properties).toMatchObject({ status: 'passed', exitCode: '0' });
  });

  it.each([
    ['a path under a file', 'afile/report.xml', /cannot write the JUnit report afile\/report\.xml: afile is not a folder \(a file is in the way\)$/m],
    // Root passes every permission check: only a real probe finds that /proc takes no files.
    ['a folder that cannot be made', '/proc/readybook-none/r.xml', /cannot write the JUnit report \/proc\/readybook-none\/r\.xml: \/proc\/readybook-none cannot be created or written$/m],
    ['a folder that takes no files', '/proc/r.xml', /cannot write the JUnit report \/proc\/r\.xml: \/proc cannot be created or written$/m],
    ['a folder', 'adir', /cannot write the JUnit report adir: it is a folder/],
    ['an empty path', '', /cannot write the JUnit report "": the path is empty/],
  ])('--junit at %s is RB080, exit 2, before anything runs', (_what, path, message) => {
    const ws = workspace();
    writeFileSync(join(ws.dir, 'afile'), '');
    mkdirSync(join(ws.dir, 'adir'));
    mkdirSync(join(ws.dir, 'runbooks'));
    ws.write('runbooks/ok.md', runbook('title: OK', step('one', block('run', 'touch ran'))));
    mkdirSync(join(ws.dir, 'checklists'));
    ws.write('checklists/gate.md', ['---', 'title: Gate', 'gate: launch', 'owner: me', '---', '## Tools', '- [ ] works `command: touch checked`', ''].join('\n'));
    for (const args of [['run', 'ok'], ['validate'], ['check', 'gate']]) {
      const r = cli([...args, `--junit=${path}`], { cwd: ws.dir, env: ws.env });
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^error RB080: /);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain('hint: Give `--junit` a file path');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(join(ws.dir, 'ran'))).toBe(false);
    expect(existsSync(join(ws.dir, 'checked'))).toBe(false);
    expect(existsSync(join(ws.home, 'runs'))).toBe(false);
  });

  it('an invalid runbook: the JUnit file holds the error, annotations point at each diagnostic', () => {
    const ws = actions();
    ws.write('bad.md', runbook('title: Bad', step('same', block('run', 'true')), step('same', block('run', 'true'))));
    const r = cli(['run', 'bad.md', '--junit', 'bad.xml'], { cwd: ws.dir, env: ws.env });
    expect(r.code).toBe(2);
    const j = junit(join(ws.dir, 'bad.xml'));
    expect(j.counted).toEqual({ tests: 1, failures: 0, errors: 1, skipped: 0 });
    expect(j.cases[0]).toMatchObject({ name: 'bad.md', classname: 'readybook.run', error: { type: 'RB011' } });
    expect(detail(j.cases[0])).toContain('bad.md:10:1: error RB011');
    expect(r.stdout).toMatch(/^::error file=bad\.md,line=10,col=1,title=RB011::/m);
  });

  it('an invalid checklist: the JUnit file holds its error, annotations point at its lines', () => {
    const ws = actions();
    mkdirSync(join(ws.dir, 'checklists'));
    ws.write('checklists/broken.md', ['---', 'title: Broken', 'gate: launch', 'owner: me', '---', '## Tools', '- [ ] odd `frobnicate: x`', ''].join('\n'));
    const r = cli(['check', 'broken', '--junit', 'broken.xml'], { cwd: ws.dir, env: ws.env });
    expect(r.code, r.stderr).toBe(2);
    const j = junit(join(ws.dir, 'broken.xml'));
    expect(j.counted).toEqual({ tests: 1, failures: 0, errors: 1, skipped: 0 });
    expect(j.cases[0]).toMatchObject({ classname: 'readybook.check', error: { type: 'CL010' } });
    expect(r.stdout).toMatch(/^::error file=checklists\/broken\.md,line=7,col=\d+,title=CL010::/m);
    expect(existsSync(ws.summary)).toBe(false);
  });

  it('a job summary that cannot be written is a warning; the result stands', () => {
    const ws = actions();
    mkdirSync(ws.summary);
    ws.write('ok.md', runbook('title: OK', step('one', block('run', 'true'))));
    const r = cli(['run', 'ok.md', '--junit', 'ok.xml'], { cwd: ws.dir, env: ws.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning: cannot append to GITHUB_STEP_SUMMARY \(.*summary\.md\): EISDIR/m);
    expect(r.stdout).toMatch(/^::warning title=Readybook job summary::cannot append to GITHUB_STEP_SUMMARY/m);
    expect(junit(join(ws.dir, 'ok.xml')).counted).toEqual({ tests: 1, failures: 0, errors: 0, skipped: 0 });
  });

  it('at most 50 diagnostics are annotated, then one notice says how many more', () => {
    const ws = actions();
    ws.write('many.md', runbook('title: Many', ...Array.from({ length: 61 }, () => step('same', block('run', 'true')))));
    const r = cli(['validate', 'many.md', '--junit', 'many.xml'], { cwd: ws.dir, env: ws.env });
    expect(r.code).toBe(2);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('::error file=many.md,'))).toHaveLength(50);
    expect(r.stdout).toMatch(/^::notice title=Readybook::10 more diagnostics not annotated \(60 in all\); `readybook validate --json` lists every one$/m);
    // The JUnit file has every one.
    expect(detail(junit(join(ws.dir, 'many.xml')).cases[0]).split('\n').filter((l) => /^many\.md:\d+:1: error RB011: /.test(l))).toHaveLength(60);
  });

  it('an error with no file: one ::error titled with its code', () => {
    const ws = actions();
    const r = cli(['run', 'nowhere', '--junit', 'x.xml'], { cwd: ws.dir, env: ws.env });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^::error title=RB040::.+%0AGive a path to a \.md file/m);
    expect(junit(join(ws.dir, 'x.xml')).cases[0]).toMatchObject({ error: { type: 'RB040' } });
  });
});
