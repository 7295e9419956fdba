import { describe, expect, it } from 'vitest';
import type { ChecklistEvaluation, ItemResult } from './evaluation';
import { checklistExpiry, evaluationExpiry, isExpired, rerunCommands } from './expiry';

const DAY = 86_400_000;

/** An item result as `readybook check` writes it, with only what expiry reads filled in. */
function result(line: number, text: string, fields: Partial<ItemResult>): ItemResult {
  return { section: 'Evidence', text, line, column: 1, kind: 'evidence', required: true, check: null, status: 'pass', actual: null, expected: '', reason: '', durationMs: 0, ...fields };
}
// Written by an older `readybook check`: no `expiresAt` on the evidence, so the site works it out.
const run = (runbook: string, endedAt: string) => ({ runbook, runId: `x-${runbook}`, endedAt, ageMs: 0, source: 'evidence' }) as unknown as NonNullable<ItemResult['evidence']>;

/** An evaluation at 2026-11-24 of: drill (ended 11-20, 7d), backup (ended 11-23, within 2d), an advisory drill, a sign-off. */
function evaluation(extra: Record<string, unknown> = {}): ChecklistEvaluation {
  const items = [
    result(9, 'Drill', { evidence: run('drill', '2026-11-20T00:00:00.000Z') }),
    result(10, 'Backup this week', { evidence: run('backup', '2026-11-23T00:00:00.000Z') }),
    result(11, 'Old restore, advisory', { required: false, evidence: run('restore', '2026-11-17T12:00:00.000Z') }),
    result(12, 'Failing deploy blocks anyway', { status: 'fail', evidence: run('deploy', '2026-11-01T00:00:00.000Z') }),
    result(13, 'Signed', { kind: 'manual', status: 'confirmed' }),
  ];
  return {
    schemaVersion: 1,
    checklist: { id: 't', file: 'checklists/t.md', title: 'T', gate: 'g', owner: 'o' },
    evaluatedAt: '2026-11-24T00:00:00.000Z',
    verdict: 'GO',
    sections: [{ title: 'Evidence', line: 8, completion: { total: 5, passing: 4, ratio: 0.8 }, items }],
    ...extra,
  } as unknown as ChecklistEvaluation;
}
const checklist = (e = evaluation()) => ({
  evaluation: e,
  frontmatter: { 'max-age': 7 * DAY },
  sections: [{ items: [{ line: 10, text: 'Backup this week', check: { kind: 'evidence', within: 2 * DAY } }] }],
});

describe('evaluationExpiry', () => {
  it('is the earliest expiry of the evidence the required passing items used: each run’s end plus its window', () => {
    const expiry = checklistExpiry(checklist());
    // backup ended 11-23 and is held to 2d; drill ended 11-20 and is held to 7d (11-27); the evaluation to 7d (12-01).
    expect(expiry).toMatchObject({ expiresAt: '2026-11-25T00:00:00.000Z', source: 'derived' });
    expect(expiry!.lapses.map((l) => [l.at, l.command])).toEqual([
      ['2026-11-25T00:00:00.000Z', 'pnpm readybook run backup'],
      ['2026-11-27T00:00:00.000Z', 'pnpm readybook run drill'],
      ['2026-12-01T00:00:00.000Z', 'pnpm readybook check t'],
    ]);
  });

  it('without item windows uses the checklist’s max-age, else 7 days, after each run and after evaluatedAt', () => {
    expect(evaluationExpiry(evaluation(), 7 * DAY).expiresAt).toBe('2026-11-27T00:00:00.000Z');
    expect(evaluationExpiry(evaluation(), undefined).expiresAt).toBe('2026-11-27T00:00:00.000Z');
    expect(evaluationExpiry(evaluation(), 1 * DAY).expiresAt).toBe('2026-11-21T00:00:00.000Z');
  });

  it('takes the evaluator’s expiresAt, and each evidence’s, when the evaluation carries them', () => {
    expect(evaluationExpiry(evaluation({ expiresAt: '2026-11-24T12:00:00Z' }), 7 * DAY)).toMatchObject({ expiresAt: '2026-11-24T12:00:00.000Z', source: 'evaluation' });
    const e = evaluation();
    (e.sections[0]!.items[0]!.evidence as unknown as Record<string, string>).expiresAt = '2026-11-24T06:00:00.000Z';
    expect(evaluationExpiry(e, 7 * DAY).lapses[0]).toMatchObject({ at: '2026-11-24T06:00:00.000Z', command: 'pnpm readybook run drill' });
  });

  it('an evaluation with no time has never held', () => {
    const expiry = evaluationExpiry({ checklist: { id: 't' }, evaluatedAt: 'soon', sections: [] } as never, DAY);
    expect(isExpired(expiry, new Date('1971-01-01T00:00:00Z'))).toBe(true);
  });
});

describe('isExpired and rerunCommands', () => {
  it('expires at the instant, and asks to re-run what lapsed by then, the check last', () => {
    const expiry = checklistExpiry(checklist())!;
    expect(isExpired(expiry, new Date('2026-11-24T23:59:59.999Z'))).toBe(false);
    expect(isExpired(expiry, new Date('2026-11-25T00:00:00.000Z'))).toBe(true);
    expect(rerunCommands(expiry, new Date('2026-11-26T00:00:00Z'), 't')).toEqual(['pnpm readybook run backup', 'pnpm readybook check t']);
    expect(rerunCommands(expiry, new Date('2026-12-30T00:00:00Z'), 't')).toEqual(['pnpm readybook run backup', 'pnpm readybook run drill', 'pnpm readybook check t']);
  });
});
