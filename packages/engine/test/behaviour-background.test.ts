import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { block, expectTruth, step } from './behaviour-helpers.js';
import { runbook, workspace } from './helpers.js';
import { journalOf, MODES, runIn, startIn, until } from './modes.js';

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

