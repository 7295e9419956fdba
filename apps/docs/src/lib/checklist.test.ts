import { describe, expect, it } from 'vitest';
import { completion, formatCompletion, gateCompletion, proseAround, shortCompletion } from './checklist';

describe('completion figures', () => {
  it('counts done items and rounds the percentage down', () => {
    expect(completion([{ done: true }, { done: true }, { done: false }])).toEqual({ done: 2, total: 3, percent: 66 });
    expect(completion(Array.from({ length: 250 }, (_, i) => ({ done: i !== 0 }))).percent).toBe(99);
  });

  it('is 0% for an empty list, not NaN', () => {
    expect(completion([])).toEqual({ done: 0, total: 0, percent: 0 });
  });

  it('separates required from advisory items', () => {
    const figures = gateCompletion([
      { done: true, required: true },
      { done: true, required: true },
      { done: false, required: false },
      { done: true, required: false },
    ]);
    expect(shortCompletion('required', figures.required)).toBe('required 2/2');
    expect(shortCompletion('advisory', figures.advisory)).toBe('advisory 1/2');
    expect(formatCompletion(figures.all)).toBe('3 of 4 done (75%)');
  });
});

describe('proseAround', () => {
  const source = ['---', 'title: T', 'gate: g', 'owner: o', '---', '', 'Intro text.', '', '## Backups', '', 'Why backups.', '', '- [ ] a', '', '## Empty', '', 'Only prose.'].join(
    '\n',
  );

  it('returns the introduction and each section’s prose before its first item', () => {
    expect(proseAround(source, [9, 15], [13, undefined])).toEqual({ intro: 'Intro text.', sections: ['Why backups.', 'Only prose.'] });
  });

  it('copes with a BOM and a file without sections', () => {
    expect(proseAround(`\uFEFF${source.split('\n').slice(0, 7).join('\n')}`, [], []).intro).toBe('Intro text.');
  });
});
