import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { EvidenceError, loadRuns, publishEvidence } from './evidence.js';
import { workspace } from './fixtures/workspace.js';

describe('loadRuns', () => {
  test('reads reports, journals of runs without a report, and committed evidence, newest first', async () => {
    const ws = await workspace();
    const { runs, warnings } = await loadRuns(ws);
    expect(warnings).toEqual([]);
    expect(runs.map((r) => [r.runId, r.status, r.source])).toEqual([
      ['20261124T110000Z-dr-drill-c3d4', 'unfinished', 'journal'],
      ['20261124T100000Z-dr-drill-a1b2', 'passed', 'journal'],
      ['20261123T080000Z-backup-9e8d', 'passed', 'evidence'],
      ['20261120T090000Z-rollback-e5f6', 'passed', 'journal'],
      ['20261101T000000Z-restore-0a0b', 'rolled-back', 'journal'],
    ]);
  });

  test('missing folders mean no runs', async () => {
    const ws = await workspace({ home: false, evidence: false });
    expect(await loadRuns(ws)).toEqual({ runs: [], warnings: [] });
  });
});

describe('publishEvidence', () => {
  test('copies a finished report into evidence/runs/<runbook>/<run-id>.json without local log paths; the copy then counts once', async () => {
    const ws = await workspace({ evidence: false });
    const runId = '20261124T100000Z-dr-drill-a1b2';
    const result = await publishEvidence(runId, ws);
    expect(result).toEqual({ path: join(ws.evidenceDir, 'runs', 'dr-drill', `${runId}.json`), runbookId: 'dr-drill', status: 'passed' });
    const original = JSON.parse(await readFile(join(ws.home, 'runs', runId, 'report.json'), 'utf8'));
    const copy = JSON.parse(await readFile(result.path, 'utf8'));
    expect(copy.steps.map((s: { log?: string }) => s.log)).toEqual([undefined, undefined]);
    expect({ ...copy, steps: undefined }).toEqual({ ...original, steps: undefined });
    expect(copy.params).toEqual({ PGPASSWORD: '***' });

    const { runs } = await loadRuns(ws);
    expect(runs.filter((r) => r.runId === runId)).toHaveLength(1);
    const evidenceOnly = await loadRuns({ home: join(ws.cwd, 'nowhere'), evidenceDir: ws.evidenceDir });
    expect(evidenceOnly.runs).toMatchObject([{ runId, source: 'evidence', outputs: { RTO_SECONDS: '3600' } }]);
  });

  test('refuses unknown runs, runs without a report, and ids that are not run ids', async () => {
    const ws = await workspace();
    await expect(publishEvidence('20990101T000000Z-x-0000', ws)).rejects.toThrow(/^no run 20990101T000000Z-x-0000 in /);
    await expect(publishEvidence('20261124T110000Z-dr-drill-c3d4', ws)).rejects.toThrow('run 20261124T110000Z-dr-drill-c3d4 has no report.json: it is still running or was killed');
    await expect(publishEvidence('../../etc', ws)).rejects.toBeInstanceOf(EvidenceError);
  });
});
