import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastPassing, loadRunHistory, summarize } from './runs';

/** A report as the engine writes it (packages/engine/src/report.ts), trimmed to what matters here. */
function report(runId: string, runbook: string, status: string, endedAt: string, outputs: Record<string, string> = {}) {
  return {
    runId,
    runbook: { id: runbook, title: runbook, path: `runbooks/${runbook}.md`, hash: 'x' },
    status,
    exitCode: status === 'passed' ? 0 : 1,
    startedAt: new Date(Date.parse(endedAt) - 4000).toISOString(),
    endedAt,
    durationMs: 4000,
    operator: 'alice',
    host: 'ci',
    node: 'v24',
    params: {},
    outputs,
    steps: [],
    rollback: null,
    resumes: [],
  };
}

async function layout() {
  const root = await mkdtemp(path.join(tmpdir(), 'runs-'));
  const evidenceDir = path.join(root, 'evidence');
  const home = path.join(root, '.readybook');
  const commit = async (r: ReturnType<typeof report>, name = `${r.runId}.json`) => {
    await mkdir(path.join(evidenceDir, 'runs', r.runbook.id), { recursive: true });
    await writeFile(path.join(evidenceDir, 'runs', r.runbook.id, name), JSON.stringify(r));
  };
  const journal = async (runId: string, text: string | undefined) => {
    await mkdir(path.join(home, 'runs', runId), { recursive: true });
    if (text !== undefined) await writeFile(path.join(home, 'runs', runId, 'report.json'), text);
  };
  return { evidenceDir, home, commit, journal };
}

describe('loadRunHistory', () => {
  it('reads committed and local reports, newest first per runbook, a run in both once as committed', async () => {
    const { evidenceDir, home, commit, journal } = await layout();
    await commit(report('r1', 'dr-drill', 'passed', '2026-11-20T10:00:00Z', { RTO_SECONDS: '3.982' }));
    await commit(report('r2', 'dr-drill', 'passed', '2026-11-22T10:00:00Z'));
    await journal('r2', JSON.stringify(report('r2', 'dr-drill', 'passed', '2026-11-22T10:00:00Z')));
    await journal('r3', JSON.stringify(report('r3', 'dr-drill', 'failed', '2026-11-23T10:00:00Z')));
    await journal('b1', JSON.stringify(report('b1', 'backup', 'passed', '2026-11-21T10:00:00Z', { BACKUP_BYTES: 3839 as unknown as string })));
    const { byRunbook, warnings } = await loadRunHistory({ evidenceDir, home });
    expect(warnings).toEqual([]);
    const drills = byRunbook.get('dr-drill')!;
    expect(drills.map((r) => [r.runId, r.source, r.inBoth])).toEqual([
      ['r3', 'journal', false],
      ['r2', 'evidence', true],
      ['r1', 'evidence', false],
    ]);
    expect(drills[2]).toMatchObject({ file: 'evidence/runs/dr-drill/r1.json', operator: 'alice', durationMs: 4000, outputs: { RTO_SECONDS: '3.982' } });
    expect(lastPassing(drills)?.runId).toBe('r2');
    expect(byRunbook.get('backup')?.[0]).toMatchObject({ source: 'journal', file: 'runs/b1/report.json', outputs: { BACKUP_BYTES: '3839' } });
  });

  it('has no runs when neither folder exists', async () => {
    const { evidenceDir, home } = await layout();
    expect((await loadRunHistory({ evidenceDir, home })).byRunbook.size).toBe(0);
  });

  it('skips local runs without a readable report, with a warning for a broken one', async () => {
    const { evidenceDir, home, journal } = await layout();
    await journal('killed', undefined);
    await journal('torn', '{"runId": ');
    const { byRunbook, warnings } = await loadRunHistory({ evidenceDir, home });
    expect(byRunbook.size).toBe(0);
    expect(warnings).toEqual([`${path.join(home, 'runs', 'torn', 'report.json')}: not valid JSON; skipped`]);
  });

  it('fails on a committed file that is not a report, or is filed under another runbook', async () => {
    const { evidenceDir, home, commit } = await layout();
    await mkdir(path.join(evidenceDir, 'runs', 'backup'), { recursive: true });
    await writeFile(path.join(evidenceDir, 'runs', 'backup', 'junk.json'), '{"hello": 1}');
    await commit({ ...report('x1', 'restore', 'passed', '2026-11-20T10:00:00Z'), runbook: { id: 'restore', title: '', path: '', hash: '' } });
    await mkdir(path.join(evidenceDir, 'runs', 'deploy'), { recursive: true });
    await writeFile(path.join(evidenceDir, 'runs', 'deploy', 'x2.json'), JSON.stringify(report('x2', 'rollback', 'passed', '2026-11-20T10:00:00Z')));
    await expect(loadRunHistory({ evidenceDir, home })).rejects.toThrow(
      [
        'evidence/runs has 2 problem(s):',
        'evidence/runs/backup/junk.json: not a run report (expected runId, runbook.id, status and startedAt); publish runs with `pnpm readybook evidence add <run-id>`',
        'evidence/runs/deploy/x2.json: a report of runbook rollback, filed under deploy/',
      ].join('\n'),
    );
  });
});

describe('summarize', () => {
  it('keeps an unfinished run with no end and no duration', () => {
    const r = { ...report('u', 'deploy', 'interrupted', '2026-11-20T10:00:00Z'), endedAt: null, durationMs: null };
    expect(summarize(r, 'journal', 'runs/u/report.json')).toMatchObject({ endedAt: null, durationMs: null, status: 'interrupted' });
  });
});
