import { describe, expect, it } from 'vitest';
import { adrFrontmatterSchema } from '@readybook/schema';
import { checkAdrLinks, orderedAdrs, type AdrRecord } from './adr';

function adr(id: string, data: Record<string, unknown>): AdrRecord {
  return { id, data: adrFrontmatterSchema.parse({ title: id, status: 'accepted', date: '2026-11-24', ...data }) };
}

describe('checkAdrLinks', () => {
  it('accepts a supersession recorded on both sides', () => {
    const adrs = [
      adr('0002-old', { number: 2, status: 'superseded', 'superseded-by': 3 }),
      adr('0003-new', { number: 3, supersedes: 2 }),
    ];
    expect(checkAdrLinks(adrs)).toEqual([]);
  });

  it('reports superseded-by without the matching supersedes', () => {
    const adrs = [adr('0002-old', { number: 2, status: 'superseded', 'superseded-by': 3 }), adr('0003-new', { number: 3 })];
    expect(checkAdrLinks(adrs)).toMatchInlineSnapshot(`
      [
        "decisions/0002-old.md: superseded-by 3, but decisions/0003-new.md does not list 2 in supersedes",
      ]
    `);
  });

  it('reports supersedes without the matching superseded-by', () => {
    const adrs = [adr('0002-old', { number: 2 }), adr('0003-new', { number: 3, supersedes: [2] })];
    expect(checkAdrLinks(adrs)).toMatchInlineSnapshot(`
      [
        "decisions/0003-new.md: supersedes 2, but decisions/0002-old.md does not say superseded-by: 3",
      ]
    `);
  });

  it('reports references to missing records, number mismatches and duplicates', () => {
    const adrs = [
      adr('0001-a', { number: 1, status: 'superseded', 'superseded-by': 9 }),
      adr('0002-b', { number: 3, supersedes: 7 }),
      adr('0003-c', { number: 3 }),
    ];
    expect(checkAdrLinks(adrs)).toMatchInlineSnapshot(`
      [
        "decisions/0002-b.md: frontmatter number 3 does not match the file name (0002)",
        "decisions/0003-c.md: number 3 is also used by decisions/0002-b.md",
        "decisions/0001-a.md: superseded-by 9, but there is no ADR 0009",
        "decisions/0002-b.md: supersedes 7, but there is no ADR 0007",
      ]
    `);
  });
});

describe('orderedAdrs', () => {
  it('sorts by number', () => {
    const adrs = [adr('0010-z', { number: 10 }), adr('0002-a', { number: 2 })];
    expect(orderedAdrs(adrs).map((a) => a.data.number)).toEqual([2, 10]);
  });

  it('throws one message listing every problem', () => {
    const adrs = [adr('0002-old', { number: 2, status: 'superseded', 'superseded-by': 3 }), adr('0003-new', { number: 3 })];
    expect(() => orderedAdrs(adrs)).toThrowErrorMatchingInlineSnapshot(`
      [Error: The decision log is inconsistent:
        decisions/0002-old.md: superseded-by 3, but decisions/0003-new.md does not list 2 in supersedes]
    `);
  });
});
