import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '@readybook/engine';
import { lastPassing, loadRunHistory, storeCoverage, summarize, type RunSummary } from './runs';

// Run ids as the engine makes them: `<time>-<runbook>-<hex>`.
const R1 = '20261120T095956Z-dr-drill-a1';
const R2 = '20261122T095956Z-dr-drill-a2';
const R3 = '20261123T095956Z-dr-drill-a3';
const B1 = '20261121T095956Z-backup-b1';
const X1 = '20261120T095956Z-restore-c1';
const X2 = '20261120T095956Z-rollback-c2';
const U = '20261120T095956Z-deploy-d1';

/** A report as the engine writes it (packages/engine/src/report.ts), trimmed to what matters here. */
function report(runId: string, runbook: string, status: string, endedAt: string, outputs: Record<string, string> = {}) {
  return {
    runId,
    runbook: { id: runbook, title: runbook, path: `runbooks/${runbook}.md`, location: `/repo/runbooks/${runbook}.md`, hash: 'x' },
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
    await commit(report(R1, 'dr-drill', 'passed', '2026-11-20T10:00:00Z', { RTO_SECONDS: '3.982' }));
    await commit(report(R2, 'dr-drill', 'passed', '2026-11-22T10:00:00Z'));
    await journal(R2, JSON.stringify(report(R2, 'dr-drill', 'passed', '2026-11-22T10:00:00Z')));
    await journal(R3, JSON.stringify(report(R3, 'dr-drill', 'failed', '2026-11-23T10:00:00Z')));
    await journal(B1, JSON.stringify(report(B1, 'backup', 'passed', '2026-11-21T10:00:00Z', { BACKUP_BYTES: '3839' })));
    const { byRunbook, warnings } = await loadRunHistory({ evidenceDir, home });
    expect(warnings).toEqual([]);
    const drills = byRunbook.get('dr-drill')!;
    expect(drills.map((r) => [r.runId, r.source, r.alsoIn])).toEqual([
      [R3, 'journal', []],
      [R2, 'evidence', ['journal']],
      [R1, 'evidence', []],
    ]);
    expect(drills[2]).toMatchObject({ file: `evidence/runs/dr-drill/${R1}.json`, operator: 'alice', durationMs: 4000, outputs: { RTO_SECONDS: '3.982' } });
    expect(lastPassing(drills)?.runId).toBe(R2);
    expect(byRunbook.get('backup')?.[0]).toMatchObject({ source: 'journal', file: `runs/${B1}/report.json`, outputs: { BACKUP_BYTES: '3839' } });
  });

  it('has no runs when neither folder exists', async () => {
    const { evidenceDir, home } = await layout();
    expect((await loadRunHistory({ evidenceDir, home })).byRunbook.size).toBe(0);
  });

  it('skips local runs without a readable report, with a warning for a broken one', async () => {
    const { evidenceDir, home, journal } = await layout();
    const torn = '20261120T095956Z-deploy-e1';
    await journal('20261120T095956Z-deploy-e0', undefined);
    await journal(torn, '{"runId": ');
    // A report with a number where the engine writes strings is not one of its reports.
    await journal('20261120T095956Z-deploy-e2', JSON.stringify(report('20261120T095956Z-deploy-e2', 'deploy', 'passed', '2026-11-20T10:00:00Z', { BYTES: 1 as unknown as string })));
    const { byRunbook, warnings } = await loadRunHistory({ evidenceDir, home });
    expect(byRunbook.size).toBe(0);
    expect(warnings).toEqual([
      `${path.join(home, 'runs', torn, 'report.json')}: not valid JSON; skipped`,
      `${path.join(home, 'runs', '20261120T095956Z-deploy-e2', 'report.json')}: not a run report (\`outputs.BYTES\`: Invalid input: expected string, received number); skipped`,
    ]);
  });

  it('fails on a committed file that is not a report, or is filed under another runbook', async () => {
    const { evidenceDir, home, commit } = await layout();
    await mkdir(path.join(evidenceDir, 'runs', 'backup'), { recursive: true });
    await writeFile(path.join(evidenceDir, 'runs', 'backup', 'junk.json'), '{"hello": 1}');
    await commit({ ...report(X1, 'restore', 'passed', '2026-11-20T10:00:00Z'), runbook: { id: 'restore', title: '', path: '', location: '', hash: '' } });
    await mkdir(path.join(evidenceDir, 'runs', 'deploy'), { recursive: true });
    await writeFile(path.join(evidenceDir, 'runs', 'deploy', 'x2.json'), JSON.stringify(report(X2, 'rollback', 'passed', '2026-11-20T10:00:00Z')));
    await expect(loadRunHistory({ evidenceDir, home })).rejects.toThrow(
      [
        'evidence/runs has 2 problem(s):',
        'evidence/runs/backup/junk.json: not a run report (`runId`: Invalid input: expected string, received undefined); publish runs with `pnpm readybook evidence add <run-id>`',
        'evidence/runs/deploy/x2.json: a report of runbook rollback, filed under deploy/',
      ].join('\n'),
    );
  });
});

describe('summarize', () => {
  it('keeps an unfinished run with no end and no duration', () => {
    const r = { ...report(U, 'deploy', 'interrupted', '2026-11-20T10:00:00Z'), endedAt: null, durationMs: null };
    expect(summarize(r as RunReport, 'journal', 'runs/u/report.json')).toMatchObject({ endedAt: null, durationMs: null, status: 'interrupted' });
  });
});

describe('storeCoverage', () => {
  const run = (runId: string, source: RunSummary['source'], alsoIn: RunSummary['source'][], storeRuns: number | null): RunSummary => ({
    ...summarize(report(runId, 'deploy', 'passed', '2026-11-20T10:00:00Z') as RunReport, source, ''),
    alsoIn,
    storeRuns,
  });

  it('counts what the site read of the store, committed copies of store runs included', () => {
    const runs = [run('a', 'store', [], 1200), run('b', 'evidence', ['store'], 1200), run('c', 'evidence', [], null), run('d', 'journal', [], null)];
    expect(storeCoverage(runs)).toEqual({ inStore: 1200, read: 2, unread: 1198 });
  });

  it('reads all of a store with fewer runs than the cap, and nothing without a store', () => {
    expect(storeCoverage([run('a', 'store', [], 2), run('b', 'evidence', ['store'], 2)])).toEqual({ inStore: 2, read: 2, unread: 0 });
    expect(storeCoverage([run('c', 'evidence', [], null)])).toEqual({ inStore: 0, read: 0, unread: 0 });
    expect(storeCoverage([])).toEqual({ inStore: 0, read: 0, unread: 0 });
  });
});
