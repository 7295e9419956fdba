import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { formatDiagnostic } from '../diagnostics.js';
import { checklistSource } from './fixtures/workspace.js';
import { parseChecklist } from './parse.js';

const fixture = (name: string) => {
  const path = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'checklists', `${name}.md`);
  return parseChecklist(readFileSync(path, 'utf8'), `checklists/${name}.md`);
};

describe('parseChecklist', () => {
  test('refuses items nested deeper than a checklist can be, before parsing, on the offending line (CL025)', () => {
    const items = Array.from({ length: 140 }, (_, i) => `${'  '.repeat(i)}- [ ] item ${i} \`manual: x\``).join('\n');
    const { checklist, diagnostics } = parseChecklist(`---\ntitle: C\ngate: g\nowner: o\n---\n\n## S\n\n${items}\n`, 'deep.md');
    expect(checklist).toBeUndefined();
    expect(diagnostics.map((d) => formatDiagnostic(d, { hint: false }))).toEqual(['deep.md:137:1: error CL025: the line is indented 258 columns; the limit is 256']);
  });

  test('refuses more than 1,000 lines before parsing (CL026), and parses 1,000', () => {
    const head = '---\ntitle: C\ngate: g\nowner: o\n---\n\n## S\n\n';
    const items = (n: number) => '- [ ] item `manual(role=sre)`\n'.repeat(n);
    const long = parseChecklist(`${head}${items(993)}`, 'long.md');
    expect(long.checklist).toBeUndefined();
    expect(long.diagnostics.map((d) => formatDiagnostic(d, { hint: false }))).toEqual(['long.md:1001:1: error CL026: the file has 1,001 lines; the limit is 1,000']);
    const most = parseChecklist(`${head}${items(992)}`, 'most.md');
    expect(most.diagnostics).toEqual([]);
    expect(most.checklist?.sections[0]?.items).toHaveLength(992);
  });

  test('reads frontmatter, sections and every kind of item with its position', () => {
    const { checklist, diagnostics } = fixture('all-kinds');
    expect(diagnostics).toEqual([]);
    expect(checklist!.id).toBe('all-kinds');
    expect(checklist!.frontmatter).toMatchObject({ title: 'Fixture readiness', gate: 'fixture-launch', owner: 'fixture-team', 'max-age': 604_800_000 });
    expect(checklist!.sections.map((s) => [s.title, s.line, s.items.length])).toEqual([
      ['Recovery', 12, 4],
      ['Tooling', 19, 2],
      ['Sign-offs', 24, 3],
    ]);
    const [drill, rto] = checklist!.sections[0]!.items;
    expect(drill).toEqual({ text: 'The DR drill passed recently', checked: false, line: 14, column: 1, check: { kind: 'evidence', runbook: 'dr-drill', advisory: false }, source: 'evidence: dr-drill' });
    expect(rto!.check).toEqual({ kind: 'measure', runbook: 'dr-drill', output: 'RTO_SECONDS', op: '<', threshold: 14400, advisory: false });
    const [review, oncall, code] = checklist!.sections[2]!.items;
    expect(review).toMatchObject({ text: 'Security review', checked: true, signedBy: 'alice', role: 'security-lead', signedAt: '2026-11-20', check: { kind: 'manual', role: 'security-lead' } });
    expect(oncall).toMatchObject({ text: 'On-call has read the runbooks', checked: true, check: { kind: 'manual', advisory: false } });
    expect(oncall!.signedBy).toBeUndefined();
    expect(code).toMatchObject({ text: 'Mention of `LICENSE` at the end is code, not a check: `LICENSE`', check: { kind: 'manual' } });
  });

  test('malformed checks are reported at their exact file:line:column', () => {
    const { checklist, diagnostics } = fixture('malformed');
    expect(checklist).toBeUndefined();
    expect(diagnostics.map((d) => formatDiagnostic(d)).join('\n')).toMatchInlineSnapshot(`
      "checklists/malformed.md:9:21: error CL010: unknown check kind \`evidance\`
        hint: did you mean \`evidence\`? kinds are evidence, measure, command, manual; to end an item with code that is not a check, put text after the code span
      checklists/malformed.md:10:53: error CL012: \`=<\` is not a comparator
        hint: did you mean \`<=\`? comparators are < <= > >= == !=
      checklists/malformed.md:11:37: error CL013: \`7 days\` is not a duration
        hint: write a number and a unit: 500ms, 30s, 10m, 2h or 7d
      checklists/malformed.md:12:33: error CL014: \`DR_Drill\` is not a runbook id
        hint: a runbook id is the file name in runbooks/ without .md, in lower case, e.g. dr-drill
      checklists/malformed.md:13:49: error CL018: \`within=7d\` must go in the parentheses after \`evidence\`
        hint: write it as \`evidence(within=7d): dr-drill\`
      checklists/malformed.md:15:1: error CL022: cannot read the sign-off \`signed: bob yesterday\`
        hint: Write a sign-off as \`— signed: alice (security-lead) 2026-11-20\`."
    `);
  });

  test('a check span in a nested item and in double backticks keeps its column', () => {
    const source = checklistSource(['- [ ] Parent', '  - [ ] Child ``measure: dr-drill RTO_SECONDS ~ 1``']);
    const { diagnostics } = parseChecklist(source, 'c.md');
    expect(diagnostics).toMatchObject([{ code: 'CL012', line: 10, column: 47 }]);
    expect(source.split('\n')[9]!.slice(46, 47)).toBe('~');
  });

  test('frontmatter problems point at the field', () => {
    const bad = parseChecklist('---\ntitle: T\ngate: Not Kebab\nowner: o\nmax-age: a week\n---\n\n## S\n\n- [ ] x\n', 'f.md');
    expect(bad.diagnostics.map((d) => [d.code, d.line, d.message.split(':')[0]])).toEqual([
      ['CL003', 3, '`gate`'],
      ['CL003', 5, '`max-age`'],
    ]);
    expect(parseChecklist('## S\n\n- [ ] x\n', 'f.md').diagnostics).toMatchObject([{ code: 'CL001', line: 1 }]);
    expect(parseChecklist('---\ntitle: [\n---\n', 'f.md').diagnostics).toContainEqual(expect.objectContaining({ code: 'CL002', line: 2 }));
  });

  test('items outside a section are errors; ticked automated items and unknown runbooks are warnings', () => {
    const source = '---\ntitle: T\ngate: g\nowner: o\n---\n\n- [ ] Orphan\n\n## S\n\n- [x] Ticked `evidence: nope`\n';
    const { checklist, diagnostics } = parseChecklist(source, 'f.md', { runbooks: ['dr-drill'] });
    expect(checklist).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.line, d.severity])).toEqual([
      ['CL020', 7, 'error'],
      ['CL021', 11, 'warning'],
      ['CL024', 11, 'warning'],
    ]);
  });

  test('plain list items and prose are not items; a checklist without items warns', () => {
    const { checklist, diagnostics } = parseChecklist(checklistSource(['- not a task', '', 'Prose with `evidence: x`.']), 'f.md');
    expect(checklist!.sections[0]!.items).toEqual([]);
    expect(diagnostics).toMatchObject([{ code: 'CL023', severity: 'warning' }]);
  });

  test('sign-offs: name, optional role, date', () => {
    const { checklist } = parseChecklist(
      checklistSource(['- [x] Reviewed — signed: Ada Lovelace 2026-11-01', '- [x] Approved - Signed: bob (ops-lead) 2026-11-02 `manual(role=ops-lead)`']),
      'f.md',
    );
    const [a, b] = checklist!.sections[0]!.items;
    expect(a).toMatchObject({ text: 'Reviewed', signedBy: 'Ada Lovelace', signedAt: '2026-11-01' });
    expect(a!.role).toBeUndefined();
    expect(b).toMatchObject({ text: 'Approved', signedBy: 'bob', role: 'ops-lead', signedAt: '2026-11-02' });
    const bad = parseChecklist(checklistSource(['- [x] Reviewed — signed: bob (ops) 2026-02-30']), 'f.md');
    expect(bad.diagnostics).toMatchObject([{ code: 'CL022', line: 9, message: '`2026-02-30` is not a calendar date' }]);
  });
});
