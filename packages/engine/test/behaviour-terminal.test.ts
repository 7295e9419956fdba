import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { block, expectTruth, step } from './behaviour-helpers.js';
import { BIN, NODE, runbook, workspace } from './helpers.js';
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

  it('a trend measure fails the gate on a drift under the absolute threshold, and says so in every mode', async () => {
    const ws = repo();
    mkdirSync(join(ws.dir, 'runbooks'));
    ws.write('runbooks/latency.md', runbook('title: Latency\nparams:\n  P95: { required: true }', step('measure', block('run', 'echo "P95_MS=$P95" >> "$READYBOOK_OUTPUT"'))));
    ws.write(
      'checklists/trend.md',
      checklist('p95 under 200 ms `measure: latency P95_MS < 200`', 'p95 within 10 % of its trend `measure(baseline=3): latency P95_MS <= median + 10%`'),
    );
    const measure = async (p95: string) => expect(spawnSync(NODE, [BIN, 'run', 'latency', '--param', `P95=${p95}`], { cwd: ws.dir, env: ws.env }).status).toBe(0);
    await measure('10');
    const early = await runIn(mode, ['check', 'trend'], { cwd: ws.dir, env: ws.env });
    expect(early.code, early.raw).toBe(1);
    for (const p95 of ['12', '11', '40']) await measure(p95);
    const drift = await runIn(mode, ['check', 'trend'], { cwd: ws.dir, env: ws.env });
    expect(drift.code, drift.raw).toBe(1);
    const reason = /P95_MS = 40 in \S+ \(\+263\.6% against the median\), not <= 12\.1: the median of the 3 passing runs before it is 11, so the limit is 12\.1/;
    if (mode === 'json') {
      const earlyItem = JSON.parse(early.raw).sections[0].items[1];
      expect(earlyItem).toMatchObject({ status: 'missing', actual: '10' });
      expect(earlyItem.reason).toMatch(/^inconclusive: no earlier passing runs of latency/);
      const evaluation = JSON.parse(drift.raw);
      expect(evaluation).toMatchObject({ verdict: 'NO-GO', blocking: [{ text: 'p95 within 10 % of its trend', status: 'fail' }] });
      expect(evaluation.sections[0].items.map((i: { status: string }) => i.status)).toEqual(['pass', 'fail']);
      expect(evaluation.sections[0].items[1].reason).toMatch(reason);
      expect(evaluation.sections[0].items[1].baseline).toMatchObject({ median: 11, percent: 10 });
    } else {
      // The terminal wraps long reasons: compare with the line breaks and indents folded away.
      const fold = (text: string) => text.replace(/\s+/g, ' ');
      expect(fold(early.screen)).toMatch(/inconclusive: no earlier passing runs of latency/);
      expect(drift.screen).toMatch(/NO-GO/);
      expect(fold(drift.screen)).toMatch(reason);
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
