import { describe, expect, it } from 'vitest';
import { completion, formatCompletion, overallCompletion, parseChecklistBody, splitItem } from './checklist';

const body = `

Intro before any section.

## Backups

- [x] Nightly backups enabled
- [ ] Restore rehearsed \`evidence(within=7d): restore\`
* [X] Offsite copy

\`\`\`md
- [ ] not an item, inside a fence
## not a section
\`\`\`

## Sign-off

- [ ] Security review \`manual(role=security-lead)\` signed: alice (security-lead) 2026-11-20
`;

describe('parseChecklistBody', () => {
  const parsed = parseChecklistBody(body);

  it('splits the introduction and the ## sections, skipping fenced code', () => {
    expect(parsed.intro).toBe('Intro before any section.');
    expect(parsed.sections.map((s) => [s.title, s.items.length])).toEqual([
      ['Backups', 3],
      ['Sign-off', 1],
    ]);
  });

  it('keeps line numbers and ticks', () => {
    expect(parsed.sections[0]?.items.map((i) => [i.line, i.checked])).toEqual([
      [7, true],
      [8, false],
      [9, true],
    ]);
  });

  it('gathers items before the first section under General', () => {
    expect(parseChecklistBody('- [x] a\n\n## B\n- [ ] b').sections.map((s) => s.title)).toEqual(['General', 'B']);
  });
});

describe('completion figures', () => {
  it('counts done items and rounds the percentage down', () => {
    expect(completion([{ checked: true }, { checked: true }, { checked: false }])).toEqual({ done: 2, total: 3, percent: 66 });
    expect(completion(Array.from({ length: 250 }, (_, i) => ({ checked: i !== 0 }))).percent).toBe(99);
  });

  it('is 0% for an empty list, not NaN', () => {
    expect(completion([])).toEqual({ done: 0, total: 0, percent: 0 });
  });

  it('sums sections for the overall figure', () => {
    const overall = overallCompletion(parseChecklistBody(body).sections);
    expect(formatCompletion(overall)).toBe('2 of 4 done (50%)');
  });
});

describe('splitItem', () => {
  it('separates the prose, the check span and the sign-off', () => {
    expect(splitItem('Security review `manual(role=security-lead)` signed: alice (security-lead) 2026-11-20')).toEqual({
      text: 'Security review',
      check: 'manual(role=security-lead)',
      signed: 'alice (security-lead) 2026-11-20',
    });
  });

  it('leaves ordinary code spans in the prose', () => {
    expect(splitItem('Run `pnpm audit` weekly')).toEqual({ text: 'Run `pnpm audit` weekly', check: undefined, signed: undefined });
  });
});
