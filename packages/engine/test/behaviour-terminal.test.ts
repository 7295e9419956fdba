import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { block, expectTruth, step } from './behaviour-helpers.js';
import { runbook, workspace } from './helpers.js';
import { journalOf, MODES, normalise, runIn, startIn, until } from './modes.js';

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
