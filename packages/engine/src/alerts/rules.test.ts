import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunbookFile } from '../runbook/parse.js';
import { analyzeAlerts, checkAlerts, listRuleFiles, readRuleFile, runbookIdOfUrl, siteBaseOf, type AlertRunbook } from './rules.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const siteBase = 'https://example.org/docs/';

/** The runbooks of a fixture repository, read by the real runbook parser. */
function runbooksOf(repoRoot: string): AlertRunbook[] {
  return readdirSync(join(repoRoot, 'runbooks'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => {
      const parsed = parseRunbookFile(join(repoRoot, 'runbooks', f), `runbooks/${f}`);
      expect(parsed.runbook, `runbooks/${f} parses`).toBeDefined();
      return { id: f.replace(/\.md$/, ''), file: `runbooks/${f}`, alerts: parsed.runbook?.frontmatter.alerts ?? [] };
    });
}

const check = (name: string) => {
  const repoRoot = join(fixtures, name);
  return analyzeAlerts({ repoRoot, runbooks: runbooksOf(repoRoot), siteBase });
};
const brief = (ds: ReturnType<typeof checkAlerts>) => ds.map((d) => `${d.file}:${d.line} ${d.code}`);

describe('reading rule files', () => {
  it('reads alert rules with their line, expression, for, severity and runbook, and skips recording rules', () => {
    const { rules, diagnostics } = check('good');
    expect(diagnostics).toEqual([]);
    expect(rules.map((r) => [r.name, r.line, r.for, r.severity, r.runbook])).toEqual([
      ['ServiceDown', 6, '1m', 'critical', 'service-down'],
      ['SlowService', 13, undefined, 'warning', 'service-down'],
    ]);
    expect(rules[0]?.expr).toBe('up == 0');
    expect(rules[0]?.file).toBe('monitoring/rules/service.yml');
  });

  it('says where a rule file does not parse, and which part is not a rule file', () => {
    const { diagnostics } = check('broken');
    expect(brief(diagnostics.filter((d) => d.code === 'RB062'))).toEqual([
      'monitoring/rules/b-syntax.yml:6 RB062',
      'monitoring/rules/c-shape.yml:1 RB062',
      'monitoring/rules/d-noexpr.yml:4 RB062',
      'monitoring/rules/d-noexpr.yml:6 RB062',
    ]);
    const [syntax, shape, noExpr, noName] = diagnostics;
    expect(syntax?.message).toMatch(/^not valid YAML/);
    expect(shape?.message).toBe('a rule file has a top-level `groups:` list');
    expect(noExpr?.message).toBe('rule NoExpr has no `expr:`');
    expect(noName?.message).toBe('a rule has neither `alert:` nor `record:`');
    for (const d of diagnostics) expect(d.hint).toMatch(/promtool check rules/);
  });

  it('does not call an alert of a broken file unknown', () => {
    // The runbook names Broken, which is in the file that does not parse: only RB062, no RB066.
    expect(check('broken').diagnostics.map((d) => d.code)).not.toContain('RB066');
  });

  it('agrees with promtool check rules on which files are valid', () => {
    const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    if (promtool.error) return; // promtool not installed: the repository's own rules are checked by the sandbox tests in CI
    for (const name of ['good', 'broken', 'bad']) {
      for (const file of listRuleFiles(join(fixtures, name, 'monitoring/rules'))) {
        const ours = readRuleFile(file, file).diagnostics.length === 0;
        const theirs = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' }).status === 0;
        expect(ours, file).toBe(theirs);
      }
    }
  });

  it('reads a missing file as a diagnostic, not an exception', () => {
    expect(readRuleFile(join(fixtures, 'nope.yml'), 'nope.yml').diagnostics).toMatchObject([{ code: 'RB062', file: 'nope.yml', line: 1 }]);
  });
});

describe('alerts and runbooks know each other', () => {
  it('refuses alerts without severity or runbook_url, and runbook_urls that name no runbook, with file:line', () => {
    const diagnostics = check('bad').diagnostics;
    expect(brief(diagnostics)).toEqual([
      'monitoring/rules/service.yml:4 RB063',
      'monitoring/rules/service.yml:8 RB064',
      'monitoring/rules/service.yml:12 RB063',
      'monitoring/rules/service.yml:12 RB065',
      'monitoring/rules/service.yml:18 RB065',
      'monitoring/rules/service.yml:24 RB067',
      'runbooks/service-down.md:6 RB066',
    ]);
    const text = diagnostics.map((d) => d.message);
    expect(text).toContain('alert NoSeverity has no labels.severity');
    expect(text).toContain('alert NoRunbookUrl has no annotations.runbook_url');
    expect(text).toContain('alert MissingRunbook has severity "page"; use one of critical, warning, info');
    expect(text).toContain('alert MissingRunbook: runbook_url https://example.org/docs/runbooks/no-such-runbook/ names runbook no-such-runbook, and there is no runbooks/no-such-runbook.md');
    expect(text).toContain('alert ElsewhereRunbook: runbook_url https://wiki.example.com/runbooks/service-down/ is not a runbook page of the site (https://example.org/docs/runbooks/<id>/)');
    expect(text).toContain('runbook service-down answers alert servicedown, and no rule in monitoring/rules has that name');
    expect(diagnostics.find((d) => d.code === 'RB067')?.severity).toBe('warning');
    expect(diagnostics.filter((d) => d.code !== 'RB067').every((d) => d.severity === 'error')).toBe(true);
  });

  it('suggests the alert a misspelt name meant', () => {
    const repoRoot = join(fixtures, 'good');
    const diagnostics = checkAlerts({ repoRoot, runbooks: [{ id: 'service-down', file: 'runbooks/service-down.md', alerts: ['servicedown'] }], siteBase });
    expect(diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual(['runbook service-down answers alert servicedown, and no rule in monitoring/rules has that name; did you mean ServiceDown?']);
  });

  it('says so when runbooks name alerts and there are no rule files', () => {
    const repoRoot = join(fixtures, 'good');
    const diagnostics = checkAlerts({ repoRoot, rulesDir: join(repoRoot, 'nowhere'), runbooks: runbooksOf(repoRoot), siteBase });
    expect(brief(diagnostics)).toEqual(['runbooks/service-down.md:3 RB068']);
  });

  it('finds nothing to say about a repository without rules or alerts', () => {
    expect(checkAlerts({ repoRoot: fixtures, rulesDir: join(fixtures, 'nowhere'), runbooks: [{ id: 'a', file: 'runbooks/a.md' }], siteBase })).toEqual([]);
  });
});

describe('site URLs', () => {
  it('builds the site base like the docs site does, and resolves runbook pages under it', () => {
    expect(siteBaseOf(fixtures, { SITE_URL: 'https://o.github.io', BASE_PATH: '/readybook/' })).toBe('https://o.github.io/readybook/');
    expect(siteBaseOf(fixtures, { SITE_URL: 'https://x.dev/', BASE_PATH: '/' })).toBe('https://x.dev/');
    expect(siteBaseOf(join(import.meta.dirname, '../../../..'), {})).toBe('https://readybook.dev/');
    expect(runbookIdOfUrl('https://x.dev/runbooks/dr-drill/', 'https://x.dev/')).toBe('dr-drill');
    expect(runbookIdOfUrl('https://x.dev/runbooks/dr-drill', 'https://x.dev/')).toBe('dr-drill');
    expect(runbookIdOfUrl('https://x.dev/runbooks/dr-drill/#mitigation', 'https://x.dev/')).toBe('dr-drill');
    expect(runbookIdOfUrl('https://x.dev/runbooks/', 'https://x.dev/')).toBeUndefined();
    expect(runbookIdOfUrl('https://x.dev/runbooks/a/b/', 'https://x.dev/')).toBeUndefined();
    expect(runbookIdOfUrl('https://y.dev/runbooks/a/', 'https://x.dev/')).toBeUndefined();
  });
});
