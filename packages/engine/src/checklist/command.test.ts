import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCheck, runEvidenceAdd } from './command.js';
import { checklistSource, NOW, workspace } from './fixtures/workspace.js';

function capture(isTTY = false) {
  let text = '';
  return { write: (chunk: string) => (text += chunk), isTTY, get text() { return text; } };
}

async function check(checklist: string, options: { json?: boolean; write?: boolean; now?: Date; tty?: boolean } = {}) {
  const ws = await workspace();
  const stdout = capture(options.tty);
  const stderr = capture();
  const code = await runCheck({ checklist, json: options.json ?? false, write: options.write ?? false, home: ws.home, cwd: ws.cwd, now: options.now ?? NOW, stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text, ws };
}

describe('readybook check', () => {
  test('GO: exit 0, a table per section and the verdict', async () => {
    const { code, stdout, stderr } = await check('all-kinds');
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/\u001b\[/);
    expect(stdout).toContain('Recovery  4/4');
    expect(stdout).toMatch(/pass\s+measure\s+RTO under four hours\s+3600\s+RTO_SECONDS < 14400 within 7d\s+1h 30m ago/);
    expect(stdout).toMatch(/fail\s+command\*\s+An advisory command that fails\s+exit 3/);
    expect(stdout).toContain('      │ audit unavailable');
    expect(stdout).toContain('GO: all 8 required items pass (8/9 items in all)');
    expect(stdout).toContain('1 advisory item not passing (not blocking):');
    expect(stderr).toContain('running command(timeout=30s): test -d .');
  });

  test('NO-GO: exit 1 with the blocking items and where they are', async () => {
    const { code, stdout } = await check('all-kinds', { now: new Date(NOW.getTime() + 40 * 86_400_000) });
    expect(code).toBe(1);
    expect(stdout).toContain('NO-GO: 4 of 8 required items block fixture-launch');
    expect(stdout).toContain('✗ Recovery › RTO under four hours  (checklists/all-kinds.md:15)\n      stale: the last passing run of dr-drill is 40d 1h ago; evidence must be under 7d old');
  });

  test('--json prints the evaluation only; --write saves it for the docs site', async () => {
    const { code, stdout, ws } = await check('checklists/all-kinds.md', { json: true, write: true });
    expect(code).toBe(0);
    const evaluation = JSON.parse(stdout);
    expect(evaluation).toMatchObject({ verdict: 'GO', checklist: { id: 'all-kinds' } });
    expect(JSON.parse(await readFile(join(ws.evidenceDir, 'evaluations', 'all-kinds.json'), 'utf8'))).toEqual(evaluation);
  });

  test('colour only on a TTY without NO_COLOR', async () => {
    const saved = process.env.NO_COLOR;
    delete process.env.NO_COLOR;
    try {
      expect((await check('all-kinds', { tty: true })).stdout).toMatch(/\u001b\[32mpass/);
      process.env.NO_COLOR = '1';
      expect((await check('all-kinds', { tty: true })).stdout).not.toMatch(/\u001b\[/);
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
  });

  test('an invalid or unknown checklist throws a coded error (exit 2) with every diagnostic', async () => {
    const invalid = await check('malformed').catch((error: unknown) => error);
    expect(invalid).toMatchObject({ code: 'CL010', exitCode: 2, message: 'checklists/malformed.md is not a valid checklist (6 errors); nothing was evaluated' });
    expect((invalid as { details: string[] }).details).toContain('checklists/malformed.md:10:53: error CL012: `=<` is not a comparator');
    const unknown = await check('nope').catch((error: unknown) => error);
    expect(unknown).toMatchObject({ code: 'CL040', exitCode: 2, message: 'no checklist nope (checklists: all-kinds, malformed)' });
    const typo = await check('malfromed').catch((error: unknown) => error);
    expect(typo).toMatchObject({ code: 'CL040', message: 'no checklist malfromed (checklists: all-kinds, malformed); did you mean `malformed`?' });
  });

  test('a checklist given by path outside checklists/', async () => {
    const ws = await workspace();
    await ws.checklist('x', checklistSource(['- [ ] Never ticked']));
    const stdout = capture();
    const code = await runCheck({ checklist: join(ws.cwd, 'checklists', 'x.md'), json: false, write: false, home: ws.home, cwd: ws.cwd, stdout, stderr: capture() });
    expect(code).toBe(1);
    expect(stdout.text).toContain('pending: not ticked yet');
  });
});

describe('readybook evidence add', () => {
  test('copies the run report and says where; RB074 (exit 2) for an unknown run', async () => {
    const ws = await workspace();
    const stdout = capture();
    const stderr = capture();
    expect(await runEvidenceAdd({ runId: '20261101T000000Z-restore-0a0b', home: ws.home, cwd: ws.cwd, stdout, stderr })).toBe(0);
    expect(stdout.text).toMatch(/^wrote evidence\/runs\/restore\/20261101T000000Z-restore-0a0b\.json \(rolled-back\) and its signature \.sig by SHA256:\S+; commit both to keep the evidence\n$/);
    expect(stderr.text).toMatch(/is not listed in evidence\/allowed_signers: check will not count this evidence until its public key is added there\n/);
    expect(stderr.text).toContain('note: run 20261101T000000Z-restore-0a0b rolled-back: checks only count passing runs\n');
    await expect(runEvidenceAdd({ runId: 'nope', home: ws.home, cwd: ws.cwd, stdout: capture(), stderr: capture() })).rejects.toMatchObject({
      code: 'RB074',
      exitCode: 2,
      hint: 'List run ids with `readybook runs`, and check READYBOOK_HOME.',
    });
  });
});
