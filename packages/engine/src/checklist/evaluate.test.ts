import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { evaluateChecklist, writeEvaluation } from './evaluate.js';
import { checklistSource, NOW, sealFixtureRun, workspace } from './fixtures/workspace.js';
import type { ItemResult } from './types.js';

const DAY = 86_400_000;

async function evaluateItems(items: string[], options: { now?: Date; home?: boolean; evidence?: boolean; frontmatter?: string } = {}) {
  const ws = await workspace(options);
  const path = await ws.checklist('test', checklistSource(items, options.frontmatter));
  const evaluation = await evaluateChecklist(path, { home: ws.home, evidenceDir: ws.evidenceDir, cwd: ws.cwd, now: options.now ?? NOW });
  return { evaluation, items: evaluation.sections.flatMap((s) => s.items), ws };
}

const pick = (i: ItemResult) => ({ status: i.status, actual: i.actual, expected: i.expected });

describe('evidence checks', () => {
  test('pass on a passing report in READYBOOK_HOME; a newer killed run without a report does not count', async () => {
    const { items } = await evaluateItems(['- [ ] Drill `evidence: dr-drill`']);
    expect(pick(items[0]!)).toEqual({ status: 'pass', actual: 'passed 1h 30m ago', expected: 'passing run within 7d' });
    expect(items[0]!.evidence).toMatchObject({
      runbook: 'dr-drill',
      runId: '20261124T100000Z-dr-drill-a1b2',
      endedAt: '2026-11-24T10:30:00.000Z',
      ageMs: 5_400_000,
      source: 'journal',
      expiresAt: '2026-12-01T10:30:00.000Z',
      repoPath: 'runbooks/dr-drill.md',
      file: '.readybook/runs/20261124T100000Z-dr-drill-a1b2',
    });
    expect(items[0]!.evidence!.head).toMatch(/^[0-9a-f]{64}$/);
  });

  test('stale when the last passing run is older than `within`, or than the checklist max-age', async () => {
    const later = new Date(NOW.getTime() + 8 * DAY);
    const { items } = await evaluateItems(['- [ ] Drill `evidence: dr-drill`', '- [ ] Drill, 30 days `evidence(within=30d): dr-drill`'], { now: later });
    expect(items.map((i) => i.status)).toEqual(['stale', 'pass']);
    expect(items[0]!.reason).toBe('the last passing run of dr-drill is 8d 1h ago; evidence must be under 7d old');
    const strict = await evaluateItems(['- [ ] Drill `evidence: dr-drill`'], { frontmatter: 'max-age: 1h\n' });
    expect(strict.items[0]!.status).toBe('stale');
  });

  test('a run with only a journal counts when its run.end says passed', async () => {
    const { items } = await evaluateItems(['- [ ] Rollback `evidence: rollback`']);
    expect(items[0]).toMatchObject({ status: 'pass', evidence: { runId: '20261120T090000Z-rollback-e5f6', source: 'journal', endedAt: '2026-11-20T09:00:42.000Z' } });
  });

  test('runs committed to evidence/ count, with source evidence', async () => {
    const { items } = await evaluateItems(['- [ ] Backup `evidence: backup`']);
    expect(items[0]).toMatchObject({ status: 'pass', evidence: { runId: '20261123T080000Z-backup-9e8d', source: 'evidence' } });
  });

  test('fail when the runbook only has failed runs; missing when it has none', async () => {
    const { items } = await evaluateItems(['- [ ] Restore `evidence: restore`', '- [ ] Deploy `evidence: deploy`']);
    expect(pick(items[0]!)).toEqual({ status: 'fail', actual: 'rolled-back', expected: 'passing run within 7d' });
    expect(items[0]!.reason).toMatch(/^no passing run of runbooks\/restore.md; the latest, 20261101T000000Z-restore-0a0b, rolled-back 23d 11h ago$/);
    expect(pick(items[1]!)).toEqual({ status: 'missing', actual: null, expected: 'passing run within 7d' });
  });

  test('no runs directory and no evidence folder: every run-based item is missing, and the gate says NO-GO', async () => {
    const { evaluation } = await evaluateItems(['- [ ] Drill `evidence: dr-drill`', '- [ ] RTO `measure: dr-drill RTO_SECONDS < 14400`'], { home: false, evidence: false });
    expect(evaluation.sections[0]!.items.map((i) => i.status)).toEqual(['missing', 'missing']);
    expect(evaluation.verdict).toBe('NO-GO');
    expect(evaluation.warnings).toEqual([]);
  });
});

describe('measure checks', () => {
  test('compare the latest passing run output with the threshold and show the actual value', async () => {
    const { items } = await evaluateItems([
      '- [ ] RTO `measure: dr-drill RTO_SECONDS < 14400`',
      '- [ ] RPO tight `measure: dr-drill RPO_SECONDS <= 60`',
      '- [ ] Backup size `measure: backup BACKUP_BYTES > 0`',
    ]);
    expect(items.map(pick)).toEqual([
      { status: 'pass', actual: '3600', expected: 'RTO_SECONDS < 14400 within 7d' },
      { status: 'fail', actual: '600', expected: 'RPO_SECONDS <= 60 within 7d' },
      { status: 'pass', actual: '1234', expected: 'BACKUP_BYTES > 0 within 7d' },
    ]);
    expect(items[1]!.reason).toBe('RPO_SECONDS = 600 in 20261124T100000Z-dr-drill-a1b2, not <= 60');
  });

  test('missing when the run has no such output; fail when the output is not a number', async () => {
    const { items } = await evaluateItems(['- [ ] Absent `measure: dr-drill MTTR_SECONDS < 3600`', '- [ ] Text `measure: dr-drill BACKUP_USED > 0`']);
    expect(items[0]).toMatchObject({ status: 'missing', actual: null, reason: '20261124T100000Z-dr-drill-a1b2 has no output MTTR_SECONDS; the runbook must write it to $READYBOOK_OUTPUT' });
    expect(items[1]).toMatchObject({ status: 'fail', actual: 'backup-20261124.dump' });
  });

  test('stale evidence keeps its actual value; a failing value stays fail', async () => {
    const later = new Date(NOW.getTime() + 10 * DAY);
    const { items } = await evaluateItems(['- [ ] RTO `measure: dr-drill RTO_SECONDS < 14400`', '- [ ] RPO `measure: dr-drill RPO_SECONDS < 60`'], { now: later });
    expect(items.map(pick)).toEqual([
      { status: 'stale', actual: '3600', expected: 'RTO_SECONDS < 14400 within 7d' },
      { status: 'fail', actual: '600', expected: 'RPO_SECONDS < 60 within 7d' },
    ]);
  });
});

describe('trend measures', () => {
  /** A workspace with runbooks/load-test.md and one sealed load-test run per P95_MS value, oldest first, an hour apart. */
  async function loadTestHistory(values: Array<number | 'failed'>) {
    const ws = await workspace();
    await writeFile(join(ws.cwd, 'runbooks', 'load-test.md'), '---\ntitle: Load test\n---\n\n## Drive\nDrives load.\n\n```sh run\necho "P95_MS=1" >> "$READYBOOK_OUTPUT"\n```\n');
    values.forEach((value, index) => {
      const hour = String(index).padStart(2, '0');
      const runId = `20261124T${hour}0000Z-load-test-${index}aaa`;
      const dir = join(ws.home, 'runs', runId);
      mkdirSync(dir, { recursive: true });
      const passed = value !== 'failed';
      const report = {
        runId,
        runbook: { id: 'load-test', path: 'runbooks/load-test.md', title: 'Load test', hash: 'abcd' },
        status: passed ? 'passed' : 'failed',
        exitCode: passed ? 0 : 1,
        startedAt: `2026-11-24T${hour}:00:00.000Z`,
        endedAt: `2026-11-24T${hour}:01:00.000Z`,
        durationMs: 60_000,
        operator: 'alice',
        host: 'runner',
        params: {},
        outputs: passed ? { P95_MS: String(value) } : { P95_MS: '999' },
        steps: [{ index: 1, title: 'Drive', status: passed ? 'passed' : 'failed', attempts: 1, durationMs: 60_000, exitCode: passed ? 0 : 1, phase: 'run', tail: '' }],
        rollback: null,
      };
      writeFileSync(join(dir, 'report.json'), JSON.stringify(report));
      sealFixtureRun(ws.cwd, ws.home, dir);
    });
    return ws;
  }
  const items = ['- [ ] p95 under 200 ms `measure: load-test P95_MS < 200`', '- [ ] p95 no more than 10 % above its trend `measure(baseline=5): load-test P95_MS <= median + 10%`'];

  test('a slow drift fails the gate under the absolute threshold: the latest run against the median of the 5 passing runs before it', async () => {
    // A failed run (P95 999) in the history is not part of the baseline; the oldest passing run falls out of it.
    const ws = await loadTestHistory([50, 10, 14, 'failed', 11, 13, 12, 14]);
    const path = await ws.checklist('trend', checklistSource(items));
    const evaluation = await evaluateChecklist(path, { home: ws.home, evidenceDir: ws.evidenceDir, cwd: ws.cwd, now: NOW });
    const [absolute, trend] = evaluation.sections[0]!.items;
    expect(pick(absolute!)).toEqual({ status: 'pass', actual: '14', expected: 'P95_MS < 200 within 7d' });
    expect(pick(trend!)).toEqual({ status: 'fail', actual: '14', expected: 'P95_MS <= median of 5 earlier passing runs + 10% within 7d' });
    expect(trend!.baseline!.limit).toBeCloseTo(13.2);
    expect(trend!.baseline).toMatchObject({ median: 12, percent: 10, runs: ['20261124T060000Z-load-test-6aaa', '20261124T050000Z-load-test-5aaa', '20261124T040000Z-load-test-4aaa', '20261124T020000Z-load-test-2aaa', '20261124T010000Z-load-test-1aaa'] });
    expect(trend!.reason).toBe('P95_MS = 14 in 20261124T070000Z-load-test-7aaa (+16.7% against the median), not <= 13.2: the median of the 5 passing runs before it is 12, so the limit is 13.2');
    expect(evaluation.verdict).toBe('NO-GO');
    expect(evaluation.blocking.map((b) => b.text)).toEqual(['p95 no more than 10 % above its trend']);
  });

  test('within the trend it passes and says by how much it moved', async () => {
    const ws = await loadTestHistory([10, 14, 11, 13, 12, 12.9]);
    const path = await ws.checklist('trend', checklistSource(items));
    const evaluation = await evaluateChecklist(path, { home: ws.home, evidenceDir: ws.evidenceDir, cwd: ws.cwd, now: NOW });
    const trend = evaluation.sections[0]!.items[1]!;
    expect(trend.status).toBe('pass');
    expect(trend.reason).toBe('P95_MS = 12.9 in 20261124T050000Z-load-test-5aaa (+7.5% against the median); the median of the 5 passing runs before it is 12, so the limit is 13.2');
    expect(evaluation.verdict).toBe('GO');
  });

  test('too few earlier passing runs is inconclusive, never a pass: required blocks the gate, advisory does not', async () => {
    const ws = await loadTestHistory([10, 'failed', 11, 12]);
    const advisory = '- [ ] p95 trend `measure(advisory, baseline=5): load-test P95_MS <= median + 10%`';
    const path = await ws.checklist('trend', checklistSource([items[1]!, advisory]));
    const evaluation = await evaluateChecklist(path, { home: ws.home, evidenceDir: ws.evidenceDir, cwd: ws.cwd, now: NOW });
    const [required, advisoryItem] = evaluation.sections[0]!.items;
    expect([required!.status, advisoryItem!.status]).toEqual(['missing', 'missing']);
    expect(required!.actual).toBe('12');
    expect(required!.reason).toBe('inconclusive: only 2 earlier passing runs of load-test with P95_MS (of the same steps, verified); the trend compares with the median of 5: run `readybook run load-test` until it has them');
    expect(evaluation.blocking.map((b) => b.text)).toEqual(['p95 no more than 10 % above its trend']);
    expect(evaluation.advisories.map((b) => b.text)).toEqual(['p95 trend']);
  });
});

describe('command checks', () => {
  test('exit 0 passes; another exit code fails and keeps the output tail', async () => {
    const { items } = await evaluateItems(['- [ ] Ok `command: test -d checklists`', '- [ ] Bad `command: echo one; echo two >&2; exit 7`']);
    expect(pick(items[0]!)).toEqual({ status: 'pass', actual: 'exit 0', expected: 'exit 0 within 5m' });
    expect(items[1]).toMatchObject({ status: 'fail', actual: 'exit 7', output: 'one\ntwo' });
  });

  test('a command that hangs is killed with its whole process tree at the timeout', async () => {
    const ws = await workspace();
    const pidFile = join(ws.cwd, 'child.pid');
    const path = await ws.checklist('hang', checklistSource([`- [ ] Hangs \`command(timeout=1s): sleep 600 & echo $! > ${pidFile}; wait\``]));
    const evaluation = await evaluateChecklist(path, { home: ws.home, evidenceDir: ws.evidenceDir, cwd: ws.cwd, now: NOW });
    const item = evaluation.sections[0]!.items[0]!;
    expect(pick(item)).toEqual({ status: 'fail', actual: 'timed out', expected: 'exit 0 within 1s' });
    expect(evaluation.verdict).toBe('NO-GO');
    const pid = Number(await readFile(pidFile, 'utf8'));
    await expect.poll(() => isRunning(pid)).toBe(false);
  });
});

describe('manual items', () => {
  test('signed, unsigned, wrong role, unticked, plain tick', async () => {
    const { items } = await evaluateItems([
      '- [x] Review — signed: alice (security-lead) 2026-11-20 `manual(role=security-lead)`',
      '- [x] Review, no signature `manual(role=security-lead)`',
      '- [x] Review by the wrong role — signed: bob (developer) 2026-11-20 `manual(role=security-lead)`',
      '- [ ] Not ticked — signed: carol (ops-lead) 2026-11-20',
      '- [x] Plain tick',
    ], { frontmatter: 'unsigned-signoffs: true\n' });
    expect(items.map((i) => [i.status, i.actual])).toEqual([
      ['confirmed', 'signed: alice (security-lead) 2026-11-20'],
      ['pending', 'ticked, unsigned'],
      ['pending', 'signed: bob (developer) 2026-11-20'],
      ['pending', 'not ticked'],
      ['confirmed', 'ticked'],
    ]);
    expect(items[0]).toMatchObject({ signedBy: 'alice', signedAt: '2026-11-20', role: 'security-lead', expected: 'ticked and signed by security-lead' });
    expect(items[2]!.reason).toBe('signed as developer; needs security-lead');
  });
});

describe('the gate', () => {
  test('GO when every required item passes, even with advisory items failing', async () => {
    const ws = await workspace();
    const evaluation = await evaluateChecklist(join(ws.cwd, 'checklists', 'all-kinds.md'), { home: ws.home, evidenceDir: ws.evidenceDir, cwd: ws.cwd, now: NOW });
    expect(evaluation.verdict).toBe('GO');
    expect(evaluation.blocking).toEqual([]);
    expect(evaluation.advisories).toMatchObject([{ section: 'Tooling', text: 'An advisory command that fails', status: 'fail', line: 22 }]);
    expect(evaluation.sections.map((s) => [s.title, s.completion.passing, s.completion.total])).toEqual([
      ['Recovery', 4, 4],
      ['Tooling', 1, 2],
      ['Sign-offs', 3, 3],
    ]);
    expect(evaluation.completion).toEqual({ total: 9, passing: 8, ratio: 8 / 9 });
    expect(evaluation.requiredCompletion).toEqual({ total: 8, passing: 8, ratio: 1 });
    expect(evaluation.counts).toEqual({ pass: 5, fail: 1, stale: 0, missing: 0, outdated: 0, confirmed: 3, pending: 0 });
    expect(evaluation.expiresAt).toBe('2026-11-30T08:01:00.000Z');
    expect(evaluation.refused).toEqual([]);
    expect(evaluation).toMatchObject({ schemaVersion: 1, evaluatedAt: NOW.toISOString(), checklist: { id: 'all-kinds', file: 'checklists/all-kinds.md', gate: 'fixture-launch' } });
  });

  test('the all-kinds fixture is NO-GO once its evidence is stale, with the blocking items listed', async () => {
    const ws = await workspace();
    const later = new Date(NOW.getTime() + 40 * DAY);
    const evaluation = await evaluateChecklist(join(ws.cwd, 'checklists', 'all-kinds.md'), { home: ws.home, evidenceDir: ws.evidenceDir, cwd: ws.cwd, now: later });
    expect(evaluation.verdict).toBe('NO-GO');
    expect(evaluation.blocking.map((b) => [b.line, b.status])).toEqual([
      [14, 'stale'],
      [15, 'stale'],
      [16, 'stale'],
      [17, 'stale'],
    ]);
  });

  test('writeEvaluation writes evidence/evaluations/<id>.json', async () => {
    const { evaluation, ws } = await evaluateItems(['- [x] Done']);
    const path = await writeEvaluation(evaluation, ws.evidenceDir);
    expect(path).toBe(join(ws.evidenceDir, 'evaluations', 'test.json'));
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(evaluation);
  });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed child not yet reaped by its new parent is a zombie: it runs no more.
  return !/^State:\s+Z/m.test(readProcStatus(pid));
}

function readProcStatus(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}
