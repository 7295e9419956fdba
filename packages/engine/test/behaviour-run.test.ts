import { existsSync, } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { block, expectSeen, expectTruth, step } from './behaviour-helpers.js';
import { runbook, workspace } from './helpers.js';
import { MODES, runIn, } from './modes.js';

/**
 * One behaviour suite, three presenters (ADR 0016): each case runs in `--json`, in human output
 * piped to a file and in human output on a pseudo-terminal, and asserts the same truth in each —
 * the exit code, the journal's run.end, the report — plus what a person sees (normalised
 * snapshots). The suite is split into files so that vitest runs them side by side.
 */

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

});
