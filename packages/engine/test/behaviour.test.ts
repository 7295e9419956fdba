import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, fence as F, runbook, workspace } from './helpers.js';
import { journalOf, MODES, normalise, reportOf, runIn, startIn, until, type Mode, type ModeResult } from './modes.js';

/**
 * One behaviour suite, three presenters: each case runs in `--json`, in human output piped to a
 * file and in human output on a pseudo-terminal, and asserts the same truth in each — the exit
 * code, the journal's run.end, the report — plus what a person sees (normalised snapshots).
 */

const block = (role: string, code: string, options = '') => [`${F}sh ${role}${options ? ` ${options}` : ''}`, code, F].join('\n');
const step = (title: string, ...blocks: string[]) => [`## ${title}`, ...blocks].join('\n');

interface Truth {
  code: number;
  status: string;
  /** Steps and how they ended, from the journal. */
  steps?: Array<[number, string]>;
  rollback?: Array<[number, string]>;
}

/** The exit code, the journal and the report tell the same story, and it is `truth`. */
function expectTruth(mode: Mode, result: ModeResult, home: string, truth: Truth): Array<Record<string, any>> {
  const journal = journalOf(home);
  const end = journal.filter((e) => e.type === 'run.end').at(-1);
  expect(result.code, `${mode}: exit code\n${result.raw}`).toBe(truth.code);
  expect(end, `${mode}: journal has run.end`).toMatchObject({ status: truth.status, exitCode: truth.code });
  const report = reportOf(home, journal[0]?.runId);
  expect(report).toMatchObject({ status: truth.status, exitCode: truth.code });
  if (truth.steps) expect(journal.filter((e) => e.type === 'step.end').map((e) => [e.step.index, e.status])).toEqual(truth.steps);
  if (truth.rollback) expect(journal.filter((e) => e.type === 'rollback.step.end').map((e) => [e.step.index, e.status])).toEqual(truth.rollback);
  if (mode === 'json') {
    // Live output is streamed to --json but not journaled (the block logs keep it).
    expect(result.events.filter((e) => e.type !== 'step.output').map((e) => e.type)).toEqual(journal.map((e) => e.type));
    expect(result.events.at(-1)).toMatchObject({ type: 'run.end', status: truth.status, exitCode: truth.code });
  } else {
    // What a person reads ends with the same verdict and exit code.
    expect(result.screen).toContain(`exit ${truth.code}`);
  }
  return journal;
}

/** What a person sees, pinned: piped and terminal output are snapshotted (json is pinned by the journal). */
function expectSeen(mode: Mode, result: ModeResult, dir: string) {
  if (mode === 'json') return;
  expect(normalise(result.screen, dir)).toMatchSnapshot();
}

describe.each(MODES)('%s', (mode) => {
  it('success: every step passes, outputs reach later steps', async () => {
    const ws = workspace();
    ws.write('ok.md', runbook('title: OK', step('produce', block('run', 'echo working; echo "ANSWER=42" >> "$READYBOOK_OUTPUT"')), step('consume', block('run', 'test "$ANSWER" = 42'), block('verify', 'true'))));
    const result = await runIn(mode, ['run', 'ok.md'], { cwd: ws.dir, env: ws.env });
    const journal = expectTruth(mode, result, ws.home, { code: 0, status: 'passed', steps: [[1, 'passed'], [2, 'passed']] });
    expect(journal.at(-1)?.outputs).toEqual({ ANSWER: '42' });
    expectSeen(mode, result, ws.dir);
  });

  it('failure: the failed step and earlier ones roll back, exit 1', async () => {
    const ws = workspace();
    ws.write('rb.md', runbook('title: RB', step('a', block('run', 'true'), block('rollback', 'echo undo-a')), step('b', block('run', 'echo broken >&2; exit 3'), block('rollback', 'echo undo-b'))));
    const result = await runIn(mode, ['run', 'rb.md'], { cwd: ws.dir, env: ws.env });
    expectTruth(mode, result, ws.home, { code: 1, status: 'rolled-back', steps: [[1, 'passed'], [2, 'failed']], rollback: [[2, 'passed'], [1, 'passed']] });
    expectSeen(mode, result, ws.dir);
  });

  it('a failing rollback exits 3', async () => {
    const ws = workspace();
    ws.write('rf.md', runbook('title: RF', step('a', block('run', 'true'), block('rollback', 'exit 7')), step('b', block('run', 'exit 1'))));
    const result = await runIn(mode, ['run', 'rf.md'], { cwd: ws.dir, env: ws.env });
    expectTruth(mode, result, ws.home, { code: 3, status: 'rollback-failed', rollback: [[2, 'skipped'], [1, 'failed']] });
    expectSeen(mode, result, ws.dir);
  });

  it('--no-rollback: exit 5, nothing compensated', async () => {
    const ws = workspace();
    ws.write('nr.md', runbook('title: NR', step('a', block('run', 'true'), block('rollback', 'touch undone')), step('b', block('run', 'exit 1'))));
    const result = await runIn(mode, ['run', 'nr.md', '--no-rollback'], { cwd: ws.dir, env: ws.env });
    expectTruth(mode, result, ws.home, { code: 5, status: 'failed' });
    expect(existsSync(join(ws.dir, 'undone'))).toBe(false);
    expectSeen(mode, result, ws.dir);
  });

  it.each([
    ['run', 1, 'rolled-back'],
    ['verify', 1, 'rolled-back'],
    ['rollback', 3, 'rollback-failed'],
  ] as const)('a %s block that times out ends the run truthfully (exit %i)', async (role, code, status) => {
    const ws = workspace();
    const slow = block(role, 'sleep 120', 'timeout=1s');
    const steps =
      role === 'run'
        ? [step('slow', slow)]
        : role === 'verify'
          ? [step('slow', block('run', 'true'), slow)]
          : [step('slow', block('run', 'true'), slow), step('fail', block('run', 'exit 1'))];
    ws.write('t.md', runbook('title: Timeout', ...steps));
    const result = await runIn(mode, ['run', 't.md'], { cwd: ws.dir, env: ws.env });
    const journal = expectTruth(mode, result, ws.home, { code, status });
    if (role !== 'rollback') expect(journal.find((e) => e.type === 'step.end')).toMatchObject({ status: 'failed', ...(role === 'run' ? { phase: 'timeout' } : {}) });
    expect(result.screen + JSON.stringify(journal)).toContain('timed out after 1.0s');
    expectSeen(mode, result, ws.dir);
  });

  it('retries a flaky run block', async () => {
    const ws = workspace();
    ws.write('retry.md', runbook('title: Retry', step('flaky', block('run', 'n=$(cat n 2>/dev/null || echo 0); echo $((n+1)) > n; [ "$((n+1))" -ge 3 ]', 'retries=3 delay=10ms'))));
    const result = await runIn(mode, ['run', 'retry.md'], { cwd: ws.dir, env: ws.env });
    const journal = expectTruth(mode, result, ws.home, { code: 0, status: 'passed' });
    expect(journal.find((e) => e.type === 'step.end')).toMatchObject({ attempts: 3 });
    expectSeen(mode, result, ws.dir);
  });

  it('a manual step with --yes shows its instructions and journals the auto-confirmation', async () => {
    const ws = workspace();
    ws.write('m.md', runbook('title: Manual', step('by hand', 'Open the **console** and flip the switch.', block('verify', 'true'))));
    const result = await runIn(mode, ['run', 'm.md', '--yes'], { cwd: ws.dir, env: ws.env });
    const journal = expectTruth(mode, result, ws.home, { code: 0, status: 'passed' });
    expect(journal.find((e) => e.type === 'step.start')).toMatchObject({ manual: true, instructions: 'Open the **console** and flip the switch.' });
    expect(journal.find((e) => e.type === 'step.end')).toMatchObject({ confirmation: 'yes-flag' });
    if (mode !== 'json') expect(result.screen).toContain('Open the **console** and flip the switch.');
    expectSeen(mode, result, ws.dir);
  });

  it('SIGTERM stops the step, rolls back and exits 130', async () => {
    const ws = workspace();
    ws.write('int.md', runbook('title: Int', step('a', block('run', 'true'), block('rollback', 'echo undone > undone')), step('long', block('run', 'touch started; sleep 60'))));
    const run = startIn(mode, ['run', 'int.md'], { cwd: ws.dir, env: ws.env });
    await until(() => existsSync(join(ws.dir, 'started')));
    run.signal('SIGTERM');
    const result = await run.done;
    const journal = expectTruth(mode, result, ws.home, { code: 130, status: 'interrupted', rollback: [[2, 'skipped'], [1, 'passed']] });
    expect(journal.find((e) => e.type === 'run.interrupt')).toMatchObject({ signal: 'SIGTERM', action: 'stop-and-roll-back' });
    expect(readFileSync(join(ws.dir, 'undone'), 'utf8')).toBe('undone\n');
    expectSeen(mode, result, ws.dir);
  });

  it('SIGHUP (the terminal closed) is treated like SIGTERM: rollback, 130, no step left running', async () => {
    const ws = workspace();
    ws.write('hup.md', runbook('title: Hup', step('a', block('run', 'true'), block('rollback', 'touch undone')), step('long', block('run', 'echo $$ > step.pid; touch started; sleep 60'))));
    const run = startIn(mode, ['run', 'hup.md'], { cwd: ws.dir, env: ws.env });
    await until(() => existsSync(join(ws.dir, 'started')));
    run.signal('SIGHUP');
    const result = await run.done;
    expectTruth(mode, result, ws.home, { code: 130, status: 'interrupted' });
    expect(existsSync(join(ws.dir, 'undone'))).toBe(true);
    const pid = Number(readFileSync(join(ws.dir, 'step.pid'), 'utf8'));
    const state = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] : 'gone';
    expect(['gone', 'Z', 'X']).toContain(state);
  });

  it('a second interrupt abandons the rollback, says so first, and resume finishes it', async () => {
    const ws = workspace();
    ws.write('ab.md', runbook('title: Abandon', step('a', block('run', 'true'), block('rollback', 'touch undone-a')), step('b', block('run', 'true'), block('rollback', 'if [ ! -e fast ]; then touch rolling; sleep 60; fi')), step('c', block('run', 'touch started; sleep 60'))));
    const run = startIn(mode, ['run', 'ab.md'], { cwd: ws.dir, env: ws.env });
    await until(() => existsSync(join(ws.dir, 'started')));
    run.signal('SIGTERM');
    await until(() => existsSync(join(ws.dir, 'rolling')));
    // What the second interrupt will do is said before it is sent.
    expect(run.output()).toMatch(mode === 'json' ? /"action":"stop-and-roll-back"/ : /again to abandon/);
    run.signal('SIGTERM');
    const result = await run.done;
    const journal = expectTruth(mode, result, ws.home, { code: 130, status: 'interrupted' });
    expect(journal.filter((e) => e.type === 'rollback.step.end').map((e) => [e.step.index, e.status, e.abandoned ?? false])).toEqual([[3, 'skipped', false], [2, 'failed', true], [1, 'failed', true]]);
    expect(existsSync(join(ws.dir, 'undone-a'))).toBe(false);
    // resume finishes the rollback (fast this time); it does not re-run step c.
    writeFileSync(join(ws.dir, 'fast'), '');
    const runId = journal[0]?.runId as string;
    const resumed = await runIn(mode, ['resume', runId], { cwd: ws.dir, env: ws.env });
    expect(resumed.code, resumed.raw).toBe(1);
    const after = journalOf(ws.home);
    expect(after.at(-1)).toMatchObject({ type: 'run.end', status: 'rolled-back' });
    expect(after.filter((e) => e.type === 'rollback.step.end').slice(-2).map((e) => [e.step.index, e.status])).toEqual([[2, 'passed'], [1, 'passed']]);
    expect(after.filter((e) => e.type === 'step.start' && e.step.index === 3)).toHaveLength(1);
    expect(existsSync(join(ws.dir, 'undone-a'))).toBe(true);
  }, 120_000);

  it.each([
    ['one letter', 'a', '[a, b]'],
    ['a digit', '1', undefined],
    ['a status word', 'passed', undefined],
  ])('a secret that is %s never rewrites the engine record', async (_label, secret, values) => {
    const ws = workspace();
    const param = values ? `{ type: enum, values: ${values}, secret: true, required: true }` : '{ secret: true, required: true }';
    ws.write('s.md', runbook(`title: Secret\nparams:\n  TOKEN: ${param}`, step('use it', block('run', 'echo "token=$TOKEN"; echo "OUT=x$TOKEN" >> "$READYBOOK_OUTPUT"')), step('after', block('run', 'true'))));
    const result = await runIn(mode, ['run', 's.md', '--param', `TOKEN=${secret}`], { cwd: ws.dir, env: ws.env });
    const journal = expectTruth(mode, result, ws.home, { code: 0, status: 'passed', steps: [[1, 'passed'], [2, 'passed']] });
    expect(journal.map((e) => e.type)).toEqual(['run.start', 'step.start', 'step.run.end', 'step.end', 'step.start', 'step.run.end', 'step.end', 'run.end']);
    // An output that contains a secret becomes a secret itself.
    expect(journal.at(-1)?.outputs.OUT).toBe('***');
    // The run is listed, with its real id and status.
    const runs = cli(['runs', '--json'], { cwd: ws.dir, env: ws.env });
    expect(JSON.parse(runs.stdout)).toMatchObject([{ runId: journal[0]?.runId, status: 'passed' }]);
    expect(result.raw).toContain('token=***');
  });

  it('a secret inside an output key is masked in the terminal, journal and report', async () => {
    const ws = workspace();
    ws.write('k.md', runbook('title: Key\nparams:\n  TOKEN: { secret: true, required: true }', step('key', block('run', 'echo "KEY_${TOKEN}=1" >> "$READYBOOK_OUTPUT"'))));
    const result = await runIn(mode, ['run', 'k.md', '--param', 'TOKEN=ZEBRA42'], { cwd: ws.dir, env: ws.env });
    const journal = expectTruth(mode, result, ws.home, { code: 0, status: 'passed' });
    expect(result.raw).not.toContain('ZEBRA42');
    expect(JSON.stringify(journal)).not.toContain('ZEBRA42');
    expect(readFileSync(join(ws.home, 'runs', journal[0]?.runId, 'report.md'), 'utf8')).not.toContain('ZEBRA42');
    expect(journal.at(-1)?.outputs).toEqual({ 'KEY_***': '1' });
  });

  it('an output that would clobber PATH fails the step with a reason, and rollbacks still run', async () => {
    const ws = workspace();
    ws.write('p.md', runbook('title: Path', step('a', block('run', 'true'), block('rollback', 'touch undone')), step('b', block('run', 'echo "PATH=/nowhere" >> "$READYBOOK_OUTPUT"'))));
    const result = await runIn(mode, ['run', 'p.md'], { cwd: ws.dir, env: ws.env });
    const journal = expectTruth(mode, result, ws.home, { code: 1, status: 'rolled-back' });
    expect(journal.find((e) => e.type === 'step.end' && e.status === 'failed')?.error).toMatch(/output PATH .* would replace an environment variable/);
    expect(existsSync(join(ws.dir, 'undone'))).toBe(true);
  });

  it('resume reaching a step that times out ends truthfully, showing only this attempt', async () => {
    const ws = workspace();
    ws.write('r.md', runbook('title: Resume', step('first', block('run', 'true')), step('second', block('run', 'if [ -e fixed ]; then echo attempt-two; sleep 120; else echo attempt-one; exit 1; fi', 'timeout=1s'))));
    const first = await runIn(mode, ['run', 'r.md', '--no-rollback'], { cwd: ws.dir, env: ws.env });
    expect(first.code).toBe(5);
    writeFileSync(join(ws.dir, 'fixed'), '');
    const runId = journalOf(ws.home)[0]?.runId as string;
    const result = await runIn(mode, ['resume', runId], { cwd: ws.dir, env: ws.env });
    expect(result.code, result.raw).toBe(1);
    const journal = journalOf(ws.home);
    expect(journal.at(-1)).toMatchObject({ type: 'run.end', status: 'rolled-back', exitCode: 1 });
    const last = journal.filter((e) => e.type === 'step.end').at(-1);
    expect(last).toMatchObject({ phase: 'timeout' });
    expect(last?.tail).toContain('attempt-two');
    expect(last?.tail).not.toContain('attempt-one');
    if (mode !== 'json') expect(result.screen).not.toContain('attempt-one');
  });
});

describe.each(MODES)('background blocks, %s', (mode) => {
  const bg = (name: string, code: string, options = '') => block('run', code, `background=${name}${options ? ` ${options}` : ''}`);
  const gone = (pid: number) => !existsSync(`/proc/${pid}/stat`) || ['Z', 'X'].includes(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? '');

  it('runs across later steps; await=NAME waits for it and gets its outputs', async () => {
    const ws = workspace();
    ws.write('bg.md', runbook('title: BG', step('load', bg('load', 'for i in 1 2 3 4 5; do echo "req $i" >> load.log; sleep 0.1; done; echo "REQUESTS=5" >> "$READYBOOK_OUTPUT"')), step('deploy', block('run', 'test -e load.log')), step('collect', block('run', 'test "$REQUESTS" = 5', 'await=load'))));
    const result = await runIn(mode, ['run', 'bg.md'], { cwd: ws.dir, env: ws.env });
    const journal = expectTruth(mode, result, ws.home, { code: 0, status: 'passed', steps: [[1, 'passed'], [2, 'passed'], [3, 'passed']] });
    expect(journal.find((e) => e.type === 'background.end')).toMatchObject({ name: 'load', status: 'passed', reason: 'awaited', exitCode: 0, outputs: { REQUESTS: '5' } });
    expect(journal.at(-1)?.outputs).toEqual({ REQUESTS: '5' });
    if (mode !== 'json') expect(result.screen).toMatch(/background load \(step 1\) ended as awaited/);
  });

  it('stop=NAME stops it; what still runs at the end is stopped and recorded', async () => {
    const ws = workspace();
    ws.write('bg.md', runbook('title: BG', step('a', bg('spin', 'echo $$ > spin.pid; while true; do sleep 0.1; done')), step('b', bg('idle', 'echo $$ > idle.pid; sleep 300')), step('c', block('run', 'test -e spin.pid && test -e idle.pid', 'stop=spin'))));
    const result = await runIn(mode, ['run', 'bg.md'], { cwd: ws.dir, env: ws.env });
    const journal = expectTruth(mode, result, ws.home, { code: 0, status: 'passed' });
    expect(journal.filter((e) => e.type === 'background.end').map((e) => [e.name, e.status, e.reason])).toEqual([['spin', 'stopped', 'stopped'], ['idle', 'stopped', 'run-end']]);
    for (const f of ['spin.pid', 'idle.pid']) expect(gone(Number(readFileSync(join(ws.dir, f), 'utf8')))).toBe(true);
  });

  it('a failing step stops background blocks before the rollback', async () => {
    const ws = workspace();
    ws.write('bg.md', runbook('title: BG', step('load', bg('load', 'echo $$ > load.pid; sleep 300'), block('rollback', 'echo rollback')), step('deploy', block('run', 'exit 1'))));
    const result = await runIn(mode, ['run', 'bg.md'], { cwd: ws.dir, env: ws.env });
    const journal = expectTruth(mode, result, ws.home, { code: 1, status: 'rolled-back', rollback: [[2, 'skipped'], [1, 'passed']] });
    const types = journal.map((e) => e.type);
    expect(types.indexOf('background.end')).toBeLessThan(types.indexOf('rollback.start'));
    expect(journal.find((e) => e.type === 'background.end')).toMatchObject({ status: 'stopped', reason: 'failure' });
    expect(gone(Number(readFileSync(join(ws.dir, 'load.pid'), 'utf8')))).toBe(true);
  });

  it('a background block that fails by itself fails the run and everything rolls back', async () => {
    const ws = workspace();
    ws.write('bg.md', runbook('title: BG', step('load', bg('load', 'sleep 0.5; echo "load broke" >&2; exit 4'), block('rollback', 'touch undone')), step('wait', block('run', 'sleep 1.5')), step('never', block('run', 'touch never'))));
    const result = await runIn(mode, ['run', 'bg.md'], { cwd: ws.dir, env: ws.env });
    const journal = expectTruth(mode, result, ws.home, { code: 1, status: 'rolled-back' });
    expect(journal.find((e) => e.type === 'background.end')).toMatchObject({ status: 'failed', exitCode: 4, error: 'exited with code 4' });
    expect(journal.at(-1)).toMatchObject({ failedStep: { index: 1 }, error: 'background block load failed: exited with code 4' });
    expect(existsSync(join(ws.dir, 'undone'))).toBe(true);
    expect(existsSync(join(ws.dir, 'never'))).toBe(false);
  });

  it('SIGTERM stops background blocks too, then rolls back, exit 130', async () => {
    const ws = workspace();
    ws.write('bg.md', runbook('title: BG', step('load', bg('load', 'echo $$ > load.pid; sleep 300')), step('long', block('run', 'touch started; sleep 60'))));
    const run = startIn(mode, ['run', 'bg.md'], { cwd: ws.dir, env: ws.env });
    await until(() => existsSync(join(ws.dir, 'started')));
    run.signal('SIGTERM');
    const result = await run.done;
    const journal = expectTruth(mode, result, ws.home, { code: 130, status: 'interrupted' });
    expect(journal.find((e) => e.type === 'background.end')).toMatchObject({ status: 'stopped', reason: 'interrupt' });
    expect(gone(Number(readFileSync(join(ws.dir, 'load.pid'), 'utf8')))).toBe(true);
  });

  it('resume after kill -9 stops the orphaned background block and restarts its step', async () => {
    const ws = workspace();
    ws.write('bg.md', runbook('title: BG', step('load', bg('load', 'echo $$ >> load.pids; sleep 300')), step('wait', block('run', 'touch started; [ -e go ] || sleep 60'))));
    const run = startIn(mode, ['run', 'bg.md'], { cwd: ws.dir, env: ws.env });
    await until(() => existsSync(join(ws.dir, 'started')));
    run.signal('SIGKILL');
    await run.done;
    const first = Number(readFileSync(join(ws.dir, 'load.pids'), 'utf8').trim());
    expect(gone(first)).toBe(false); // the killed engine left it running
    writeFileSync(join(ws.dir, 'go'), '');
    const runId = journalOf(ws.home)[0]?.runId as string;
    const resumed = await runIn(mode, ['resume', runId], { cwd: ws.dir, env: ws.env });
    expect(resumed.code, resumed.raw).toBe(0);
    const journal = journalOf(ws.home);
    expect(journal.find((e) => e.type === 'run.resume')).toMatchObject({ skip: [], stoppedOrphan: expect.stringContaining('background block load of step 1') });
    expect(journal.filter((e) => e.type === 'background.start')).toHaveLength(2);
    expect(journal.at(-1)).toMatchObject({ type: 'run.end', status: 'passed' });
    const pids = readFileSync(join(ws.dir, 'load.pids'), 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(gone(pid)).toBe(true);
  });
});

describe.each(MODES)('check, %s', (mode) => {
  const checklist = (...items: string[]) => `---\ntitle: Gate\ngate: test\nowner: me\nmax-age: 7d\n---\n# Gate\n## Tools\n${items.map((i) => `- [ ] ${i}`).join('\n')}\n`;
  const repo = () => {
    const ws = workspace();
    spawnSync('git', ['init', '-q', ws.dir]);
    mkdirSync(join(ws.dir, 'checklists'));
    return ws;
  };

  it('GO exits 0 and NO-GO exits 1, the screen and --json agreeing', async () => {
    const ws = repo();
    ws.write('checklists/go.md', checklist('the shell works `command: test -d .`'));
    ws.write('checklists/nogo.md', checklist('the shell works `command: test -d .`', 'a file exists `command: test -e missing`'));
    const go = await runIn(mode, ['check', 'go'], { cwd: ws.dir, env: ws.env });
    expect(go.code, go.raw).toBe(0);
    const nogo = await runIn(mode, ['check', 'nogo'], { cwd: ws.dir, env: ws.env });
    expect(nogo.code, nogo.raw).toBe(1);
    if (mode === 'json') {
      expect(JSON.parse(go.raw)).toMatchObject({ verdict: 'GO' });
      expect(JSON.parse(nogo.raw)).toMatchObject({ verdict: 'NO-GO' });
    } else {
      expect(go.screen).toMatch(/\bGO\b/);
      expect(nogo.screen).toMatch(/NO-GO/);
    }
  });

  it('an interrupted check exits 130, stops the command and writes nothing', async () => {
    const ws = repo();
    ws.write('checklists/slow.md', checklist('slow `command(timeout=60s): echo $$ > cmd.pid; touch started; sleep 30`'));
    const run = startIn(mode, ['check', 'slow', '--write'], { cwd: ws.dir, env: ws.env });
    await until(() => existsSync(join(ws.dir, 'started')));
    if (mode === 'pty') run.type('\u0003');
    else run.signal('SIGTERM');
    const result = await run.done;
    expect(result.code, result.raw).toBe(130);
    expect(existsSync(join(ws.dir, 'evidence', 'evaluations', 'slow.json'))).toBe(false);
    const pid = Number(readFileSync(join(ws.dir, 'cmd.pid'), 'utf8'));
    await until(() => !existsSync(`/proc/${pid}/stat`) || ['Z', 'X'].includes(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? ''), 10_000);
  });
});

describe('only on a terminal', () => {
  // These need a person at a terminal: a prompt, typed keys, the width of the screen.
  it('a manual step shows its instructions, keeps the prompt readable and takes y', async () => {
    const ws = workspace();
    ws.write('m.md', runbook('title: Manual', step('flip', 'Flip the switch on rack 4.'), step('after', block('run', 'true'))));
    const run = startIn('pty', ['run', 'm.md'], { cwd: ws.dir, env: ws.env });
    await until(() => run.output().includes('Done?'));
    await new Promise((r) => setTimeout(r, 400)); // a spinner would have redrawn over the prompt by now
    expect(run.output()).toContain('Flip the switch on rack 4.');
    run.type('y\r');
    const result = await run.done;
    expectTruth('pty', result, ws.home, { code: 0, status: 'passed' });
    expect(result.screen).toMatch(/Done\? \(y\/N\) y|Done\? Yes/);
    expect(journalOf(ws.home).find((e) => e.type === 'step.end')).toMatchObject({ confirmation: 'operator' });
    expect(normalise(result.screen, ws.dir)).toMatchSnapshot();
  });

  it('answering n rolls back without a green check', async () => {
    const ws = workspace();
    ws.write('m.md', runbook('title: Manual', step('a', block('run', 'true'), block('rollback', 'touch undone')), step('flip', 'Flip it.')));
    const run = startIn('pty', ['run', 'm.md'], { cwd: ws.dir, env: ws.env });
    await until(() => run.output().includes('Done?'));
    run.type('n\r');
    const result = await run.done;
    expectTruth('pty', result, ws.home, { code: 1, status: 'rolled-back' });
    expect(result.screen).not.toContain('✔ Step');
    expect(existsSync(join(ws.dir, 'undone'))).toBe(true);
  });

  it('Ctrl-C at the prompt is an interruption: rollback, exit 130', async () => {
    const ws = workspace();
    ws.write('m.md', runbook('title: Manual', step('a', block('run', 'true'), block('rollback', 'touch undone')), step('flip', 'Flip it.')));
    const run = startIn('pty', ['run', 'm.md'], { cwd: ws.dir, env: ws.env });
    await until(() => run.output().includes('Done?'));
    run.type('\u0003');
    const result = await run.done;
    const journal = expectTruth('pty', result, ws.home, { code: 130, status: 'interrupted' });
    expect(journal.find((e) => e.type === 'step.end' && e.step.index === 2)).toMatchObject({ confirmation: 'interrupted' });
    expect(existsSync(join(ws.dir, 'undone'))).toBe(true);
  });

  it('Ctrl-C typed at the terminal during a step rolls back and exits 130', async () => {
    const ws = workspace();
    ws.write('c.md', runbook('title: CtrlC', step('a', block('run', 'true'), block('rollback', 'touch undone')), step('long', block('run', 'touch started; sleep 60'))));
    const run = startIn('pty', ['run', 'c.md'], { cwd: ws.dir, env: ws.env });
    await until(() => existsSync(join(ws.dir, 'started')));
    run.type('\u0003');
    const result = await run.done;
    const journal = expectTruth('pty', result, ws.home, { code: 130, status: 'interrupted' });
    expect(journal.find((e) => e.type === 'run.interrupt')).toMatchObject({ signal: 'SIGINT' });
    expect(result.screen).toContain('Press Ctrl-C again to abandon the rollback');
  });

  it('step output with \\r progress bars, colours and bells stays on one fitted live line at 60 columns', async () => {
    const ws = workspace();
    const noisy = 'for i in 1 2 3 4 5 6; do printf "\\033[31mprogress %s%%\\033[0m\\r\\a\\033]0;title\\007" $((i*16)); sleep 0.25; done; echo; echo "a very long line of output that is much wider than sixty columns of terminal, really"';
    ws.write('n.md', runbook('title: Noisy', step('a step whose title is long enough to need cutting at sixty columns wide', block('run', noisy))));
    const result = await runIn('pty', ['run', 'n.md'], { cwd: ws.dir, env: ws.env, columns: 60 });
    expectTruth('pty', result, ws.home, { code: 0, status: 'passed' });
    // No spinner frame left behind as its own line, no control bytes from the step on screen.
    expect(result.screen.split('\n').filter((l) => /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/.test(l))).toEqual([]);
    expect(result.raw).not.toContain('\u0007');
    expect(result.raw).not.toContain(']0;title');
    // Every live frame (drawn after a carriage return and a line clear) fits in 60 columns.
    const frames = result.raw
      .split('\r\u001b[2K')
      .slice(1)
      .map((f) => f.split(/\r|\n/)[0] as string)
      .filter((f) => /^ {2}[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /.test(f));
    expect(frames.length).toBeGreaterThan(2);
    for (const frame of frames) expect([...frame.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '')].length).toBeLessThanOrEqual(59);
    expect(frames.some((f) => f.includes('progress'))).toBe(true);
    // The log keeps the bytes.
    expect(readFileSync(join(ws.home, 'runs', journalOf(ws.home)[0]?.runId, 'step-01-run.log'), 'utf8')).toContain('\u0007');
  });
});
