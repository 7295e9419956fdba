import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadRuns, publishEvidence } from './evidence.js';
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
  test('publishes a finished run as evidence/runs/<runbook>/<run-id>.json: its report, journal and seal, signed; the copy then counts once', async () => {
    const ws = await workspace({ evidence: false });
    const runId = '20261124T100000Z-dr-drill-a1b2';
    const result = await publishEvidence(runId, ws);
    expect(result).toMatchObject({ path: join(ws.evidenceDir, 'runs', 'dr-drill', `${runId}.json`), runbookId: 'dr-drill', status: 'passed' });
    expect(result.signer).toMatch(/^SHA256:/);
    const original = JSON.parse(await readFile(join(ws.home, 'runs', runId, 'report.json'), 'utf8'));
    const copy = JSON.parse(await readFile(result.path, 'utf8'));
    const { evidence, journal, seal, sealSignature, ...report } = copy;
    expect(report).toEqual(original);
    expect(report.params).toEqual({ PGPASSWORD: '***' });
    expect(evidence).toMatchObject({ type: 'readybook.evidence/v1', by: result.signer });
    expect(journal).toHaveLength(seal.events);
    expect(sealSignature).toMatch(/^-----BEGIN SSH SIGNATURE-----/);
    expect(await readFile(`${result.path}.sig`, 'utf8')).toMatch(/^-----BEGIN SSH SIGNATURE-----/);

    const { runs } = await loadRuns(ws);
    expect(runs.filter((r) => r.runId === runId)).toHaveLength(1);
    // Signed by this home's key, which evidence/allowed_signers does not list: refused on its own.
    const evidenceOnly = await loadRuns({ home: join(ws.cwd, 'nowhere'), evidenceDir: ws.evidenceDir });
    expect(evidenceOnly.runs).toMatchObject([{ runId, source: 'evidence', verified: false, outputs: { RTO_SECONDS: '3600' } }]);
    expect(evidenceOnly.runs[0]!.problem).toMatch(/is not listed in evidence\/allowed_signers/);
  });

  test('refuses unknown runs, runs without a report, and ids that are not run ids', async () => {
    const ws = await workspace();
    await expect(publishEvidence('20990101T000000Z-x-0000', ws)).rejects.toThrow(/^no run 20990101T000000Z-x-0000 in /);
    await expect(publishEvidence('20261124T110000Z-dr-drill-c3d4', ws)).rejects.toThrow('run 20261124T110000Z-dr-drill-c3d4 has no report.json: it is still running or was killed');
    await expect(publishEvidence('../../etc', ws)).rejects.toMatchObject({ code: 'RB074' });
  });
});
