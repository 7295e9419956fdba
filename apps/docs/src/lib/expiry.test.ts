import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { evaluate, parseChecklist } from '@readybook/engine/checklist';
import { describe, expect, it } from 'vitest';
import { checklistExpiry, evaluationExpiry, isExpired, rerunCommands } from './expiry';

const DAY = 86_400_000;
const source = `---
title: T
gate: g
owner: o
max-age: 7d
---

## Evidence

- [ ] Drill \`evidence: drill\`
- [ ] Backup this week \`evidence(within=2d): backup\`
- [x] Signed — signed: alice (lead) 2026-11-20 \`manual(role=lead)\`
`;

/** A real evaluation by the engine over two committed reports. */
async function engineEvaluation(now: Date) {
  const { checklist } = parseChecklist(source, 'checklists/t.md', { runbooks: ['drill', 'backup'] });
  const root = await mkdtemp(path.join(tmpdir(), 'expiry-'));
  const report = (runbook: string, runId: string, endedAt: string) => ({ runId, runbook: { id: runbook }, status: 'passed', startedAt: endedAt, endedAt, outputs: {} });
  for (const [runbook, runId, endedAt] of [
    ['drill', '20261120T000000Z-drill-aaaaaa', '2026-11-20T00:00:00.000Z'],
    ['backup', '20261123T000000Z-backup-bbbbbb', '2026-11-23T00:00:00.000Z'],
  ] as const) {
    await mkdir(path.join(root, 'evidence', 'runs', runbook), { recursive: true });
    await writeFile(path.join(root, 'evidence', 'runs', runbook, `${runId}.json`), JSON.stringify(report(runbook, runId, endedAt)));
  }
  const evaluation = await evaluate(checklist!, { home: path.join(root, 'home'), evidenceDir: path.join(root, 'evidence'), cwd: root, now });
  return { checklist: checklist!, evaluation };
}

describe('evaluationExpiry', () => {
  it('is the earliest expiry of the evidence used: each run ends plus its item’s window', async () => {
    const { checklist, evaluation } = await engineEvaluation(new Date('2026-11-24T00:00:00Z'));
    expect(evaluation.verdict).toBe('GO');
    const expiry = checklistExpiry({ ...checklist, evaluation });
    // backup ended 11-23 and is held to 2d; drill ended 11-20 and is held to 7d (11-27); the evaluation to 7d (12-01).
    expect(expiry).toMatchObject({ expiresAt: '2026-11-25T00:00:00.000Z', source: 'derived' });
    expect(expiry!.lapses.map((l) => [l.at, l.command])).toEqual([
      ['2026-11-25T00:00:00.000Z', 'pnpm readybook run backup'],
      ['2026-11-27T00:00:00.000Z', 'pnpm readybook run drill'],
      ['2026-12-01T00:00:00.000Z', 'pnpm readybook check t'],
    ]);
  });

  it('without item windows falls back to the checklist’s max-age after evaluatedAt and after each run', async () => {
    const { evaluation } = await engineEvaluation(new Date('2026-11-24T00:00:00Z'));
    expect(evaluationExpiry(evaluation, 7 * DAY).expiresAt).toBe('2026-11-27T00:00:00.000Z');
    expect(evaluationExpiry(evaluation, undefined).expiresAt).toBe('2026-11-27T00:00:00.000Z');
  });

  it('takes the evaluator’s expiresAt when the evaluation carries one', async () => {
    const { evaluation } = await engineEvaluation(new Date('2026-11-24T00:00:00Z'));
    const expiry = evaluationExpiry({ ...evaluation, expiresAt: '2026-11-24T12:00:00Z' }, 7 * DAY);
    expect(expiry).toMatchObject({ expiresAt: '2026-11-24T12:00:00.000Z', source: 'evaluation' });
  });

  it('an evaluation with no time has never held', () => {
    const expiry = evaluationExpiry({ checklist: { id: 't' }, evaluatedAt: 'soon', sections: [] } as never, DAY);
    expect(isExpired(expiry, new Date('1971-01-01T00:00:00Z'))).toBe(true);
  });
});

describe('isExpired and rerunCommands', () => {
  it('expires at the instant, and asks to re-run what lapsed by then, the check last', async () => {
    const { checklist, evaluation } = await engineEvaluation(new Date('2026-11-24T00:00:00Z'));
    const expiry = checklistExpiry({ ...checklist, evaluation })!;
    expect(isExpired(expiry, new Date('2026-11-24T23:59:59.999Z'))).toBe(false);
    expect(isExpired(expiry, new Date('2026-11-25T00:00:00.000Z'))).toBe(true);
    expect(rerunCommands(expiry, new Date('2026-11-26T00:00:00Z'), 't')).toEqual(['pnpm readybook run backup', 'pnpm readybook check t']);
    expect(rerunCommands(expiry, new Date('2026-12-30T00:00:00Z'), 't')).toEqual(['pnpm readybook run backup', 'pnpm readybook run drill', 'pnpm readybook check t']);
  });
});
