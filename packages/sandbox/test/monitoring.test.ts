// The repository's alert rules (monitoring/rules) as CI checks them: promtool check rules, promtool test rules
// (unit tests with input series, monitoring/tests), and readybook validate's cross-check with the runbooks.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';

const CLI = process.env.READYBOOK_CLI || join(REPO, 'packages/engine/bin/readybook.js');
const promtool = spawnSync('promtool', ['--version']).status === 0;
const files = (dir: string, suffix: string) => readdirSync(join(REPO, dir)).filter((f) => f.endsWith(suffix)).map((f) => join(dir, f));

describe.skipIf(!promtool && !process.env.CI)('alert rules (promtool)', () => {
  it('pass promtool check rules', () => {
    const rules = files('monitoring/rules', '.yml');
    expect(rules.length).toBeGreaterThanOrEqual(2);
    const r = spawnSync('promtool', ['check', 'rules', ...rules], { cwd: REPO, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('pass their unit tests (promtool test rules)', () => {
    const tests = files('monitoring/tests', '.test.yml');
    expect(tests.length).toBeGreaterThanOrEqual(2);
    const r = spawnSync('promtool', ['test', 'rules', ...tests], { cwd: REPO, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.match(/SUCCESS/g)).toHaveLength(tests.length);
  });

  it('unit tests that expect the wrong alert fail (the tests can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'readybook-ruletest-'));
    writeFileSync(
      join(dir, 'wrong.test.yml'),
      `rule_files: ['${join(REPO, 'monitoring/rules/demo-service.yml')}']\nevaluation_interval: 1s\ntests:\n  - interval: 1s\n    input_series:\n      - series: 'up{job="service", slot="stable", instance="i"}'\n        values: '1x30'\n    alert_rule_test:\n      - eval_time: 20s\n        alertname: DemoServiceDown\n        exp_alerts: [{ exp_labels: { severity: critical, job: service, slot: stable, instance: i } }]\n`,
    );
    const r = spawnSync('promtool', ['test', 'rules', join(dir, 'wrong.test.yml')], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(1);
  });
});

describe('alerts and runbooks (readybook validate)', () => {
  it('every alert of the repository has a severity and a runbook that exists, and every named alert exists', () => {
    const r = spawnSync(process.execPath, [CLI, 'validate', '--json'], { cwd: REPO, encoding: 'utf8' });
    const out = JSON.parse(r.stdout);
    expect(out.diagnostics.filter((d: { code: string }) => /^RB06[2-9]$/.test(d.code)), r.stdout).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('refuses a runbook_url to a runbook that does not exist and an unknown alert name, with file:line', () => {
    const repo = mkdtempSync(join(tmpdir(), 'readybook-alerts-repo-'));
    cpSync(join(REPO, 'runbooks'), join(repo, 'runbooks'), { recursive: true });
    cpSync(join(REPO, 'monitoring'), join(repo, 'monitoring'), { recursive: true });
    rmSync(join(repo, 'runbooks', 'service-down.md'));
    writeFileSync(join(repo, 'runbooks', 'typo.md'), '---\ntitle: Typo\nalerts: [DemoServiceDwn]\n---\n\n## Step\n\n```sh run\ntrue\n```\n');
    const r = spawnSync(process.execPath, [CLI, 'validate'], { cwd: repo, encoding: 'utf8' });
    rmSync(repo, { recursive: true, force: true });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('monitoring/rules/demo-service.yml:10:1: error RB065: alert DemoServiceDown: runbook_url https://readybook.dev/runbooks/service-down/ names runbook service-down, and there is no runbooks/service-down.md');
    expect(r.stderr).toContain('runbooks/typo.md:3:1: error RB066: runbook typo answers alert DemoServiceDwn, and no rule in monitoring/rules has that name');
    expect(r.stderr).toMatch(/hint: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a rule file that does not parse, with its line', () => {
    const repo = mkdtempSync(join(tmpdir(), 'readybook-alerts-repo-'));
    cpSync(join(REPO, 'runbooks'), join(repo, 'runbooks'), { recursive: true });
    cpSync(join(REPO, 'monitoring'), join(repo, 'monitoring'), { recursive: true });
    writeFileSync(join(repo, 'monitoring/rules/broken.yml'), 'groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: up == 0\n       labels: {}\n');
    const r = spawnSync(process.execPath, [CLI, 'validate'], { cwd: repo, encoding: 'utf8' });
    rmSync(repo, { recursive: true, force: true });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/monitoring\/rules\/broken\.yml:6:1: error RB062: not valid YAML/);
  });
});
