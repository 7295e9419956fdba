import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { evaluate, parseChecklist } from '@readybook/engine/checklist';
import { describe, expect, it } from 'vitest';
import { itemStatus, readEvaluation, withResults } from './evaluation';

const source = `---
title: T
gate: g
owner: o
unsigned-signoffs: true
---

## Sign-off

- [x] Reviewed — signed: alice (tech-lead) 2026-11-20 \`manual(role=tech-lead)\`
- [ ] Approved \`manual(role=product)\`
- [ ] Nice to have \`manual(advisory)\`
`;

/** A real evaluation by the engine (manual items only, so nothing runs and no evidence is needed). */
async function engineEvaluation() {
  const { checklist } = parseChecklist(source, 'checklists/t.md');
  const empty = await mkdtemp(path.join(tmpdir(), 'eval-home-'));
  return { checklist: checklist!, evaluation: await evaluate(checklist!, { home: empty, evidenceDir: empty, cwd: empty, now: new Date('2026-11-24T10:00:00Z') }) };
}

describe('itemStatus', () => {
  it('lets the evaluator decide over the ticked box, matching items by line and text', async () => {
    const { checklist, evaluation } = await engineEvaluation();
    const [signed, approved] = checklist.sections[0]!.items;
    expect(itemStatus(evaluation, signed!)).toMatchObject({ done: true, result: { status: 'confirmed', signedBy: 'alice', role: 'tech-lead' } });
    expect(itemStatus(evaluation, { ...approved!, checked: true })).toMatchObject({ done: false, result: { status: 'pending' } });
  });

  it('falls back to the box without an evaluation, or for an item the file changed since', async () => {
    const { evaluation } = await engineEvaluation();
    expect(itemStatus(undefined, { line: 9, text: 'Reviewed', checked: true })).toEqual({ result: undefined, done: true });
    expect(itemStatus(evaluation, { line: 9, text: 'Reviewed (edited)', checked: false })).toEqual({ result: undefined, done: false });
  });

  it('marks advisory items as not required', async () => {
    const { checklist, evaluation } = await engineEvaluation();
    expect(withResults(evaluation, checklist.sections[0]!.items).map((i) => [i.required, i.done])).toEqual([
      [true, true],
      [true, false],
      [false, false],
    ]);
  });
});

describe('readEvaluation', () => {
  it('reads what the engine wrote', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'eval-'));
    const { evaluation } = await engineEvaluation();
    await writeFile(path.join(dir, 't.json'), JSON.stringify(evaluation));
    expect(readEvaluation(dir, 't')).toMatchObject({ verdict: 'NO-GO', requiredCompletion: { total: 2, passing: 1 } });
  });

  it('returns undefined when the evaluator has not run', async () => {
    expect(readEvaluation(await mkdtemp(path.join(tmpdir(), 'eval-')), 'nope')).toBeUndefined();
  });

  it('rejects a file that is not an evaluation, or not JSON, saying how to write it again', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'eval-'));
    await writeFile(path.join(dir, 'x.json'), '{"items": []}');
    await writeFile(path.join(dir, 'y.json'), '{');
    expect(() => readEvaluation(dir, 'x')).toThrow(/not a checklist evaluation.*pnpm readybook check x/);
    expect(() => readEvaluation(dir, 'y')).toThrow(/not valid JSON/);
  });
});
