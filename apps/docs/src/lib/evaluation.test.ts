import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { itemStatus, readEvaluation, type ChecklistEvaluation } from './evaluation';

const evaluation: ChecklistEvaluation = {
  evaluatedAt: '2026-11-24T10:00:00.000Z',
  verdict: 'NO-GO',
  completion: { total: 2, passing: 1, ratio: 0.5 },
  sections: [
    {
      title: 'Backups',
      line: 5,
      items: [
        { line: 7, text: 'a', status: 'pass', required: true, check: 'evidence: backup', actual: 'passed 2h ago', expected: 'within 7d', reason: '' },
        { line: 8, text: 'b', status: 'stale', required: true, check: 'evidence: restore', actual: null, expected: 'within 7d', reason: '' },
      ],
    },
  ],
};

describe('itemStatus', () => {
  it('lets the evaluator decide over the ticked box', () => {
    expect(itemStatus(evaluation, { line: 7, checked: false }).done).toBe(true);
    expect(itemStatus(evaluation, { line: 8, checked: true }).done).toBe(false);
  });

  it('falls back to the box without an evaluation or for an unevaluated item', () => {
    expect(itemStatus(undefined, { line: 7, checked: true })).toEqual({ result: undefined, done: true });
    expect(itemStatus(evaluation, { line: 99, checked: false }).done).toBe(false);
  });
});

describe('readEvaluation', () => {
  it('returns undefined when the evaluator has not run', async () => {
    expect(readEvaluation(await mkdtemp(path.join(tmpdir(), 'eval-')), 'nope')).toBeUndefined();
  });

  it('rejects a file that is not an evaluation', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'eval-'));
    await writeFile(path.join(dir, 'x.json'), '{"items": []}');
    expect(() => readEvaluation(dir, 'x')).toThrow(/not a checklist evaluation/);
  });
});
