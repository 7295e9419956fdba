import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { block, expectSeen, expectTruth, step } from './behaviour-helpers.js';
import { cli, runbook, workspace } from './helpers.js';
import { journalOf, MODES, runIn, startIn, until } from './modes.js';

/**
 * One behaviour suite, three presenters (ADR 0016): each case runs in `--json`, in human output
 * piped to a file and in human output on a pseudo-terminal, and asserts the same truth in each —
 * the exit code, the journal's run.end, the report — plus what a person sees (normalised
 * snapshots). The suite is split into files so that vitest runs them side by side.
 */

describe.each(MODES)('%s', (mode) => {
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

