import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, outputsOf, runIdOf, type Sandbox, sandboxUp, show } from './helpers.js';

const SANDBOX_SH = join(REPO, 'packages/sandbox/bin/sandbox.sh');
const alertingInstalled = ['prometheus', 'prometheus-alertmanager', 'prometheus-pushgateway', 'haproxy'].every(
  (tool) => spawnSync('bash', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`]).status === 0,
);

let sandbox: Sandbox;

const pidOf = (name: string) => {
  const file = join(sandbox.dir, `${name}.pid`);
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : 0;
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function until(what: string, check: () => boolean, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
/** The service answers /health with 200 — the state every drill must leave behind. */
async function healthy(): Promise<boolean> {
  return (await sandbox.http('GET', '/health').catch(() => ({ status: 0 }))).status === 200;
}
function report(runId: string) {
  return JSON.parse(readFileSync(join(sandbox.cwd, '.readybook', 'runs', runId, 'report.json'), 'utf8'));
}
/** The alert is not active in Alertmanager (a fault test may leave it firing for a moment after the rollback). */
async function quiet(alert = 'DemoServiceDown') {
  await until(`${alert} to resolve`, () => {
    const r = spawnSync('curl', ['-fsS', `http://127.0.0.1:${sandbox.env.ALERTMANAGER_PORT}/api/v2/alerts?active=true&filter=alertname%3D%22${alert}%22`], { encoding: 'utf8' });
    return r.status === 0 && JSON.parse(r.stdout).length === 0;
  });
}

describe.skipIf(!alertingInstalled && !process.env.CI)('incident drill', () => {
  beforeAll(async () => {
    sandbox = sandboxUp();
    const deploy = await sandbox.run('deploy', { VERSION: 'v1' });
    expect(deploy.code, show(deploy)).toBe(0);
  });
  afterAll(() => sandbox?.down());

  it('sandbox up runs Alertmanager, the Pushgateway and the webhook receiver, wired to Prometheus', async () => {
    for (const name of ['alertmanager', 'pushgateway', 'webhook', 'prometheus']) expect(alive(pidOf(name)), name).toBe(true);
    const prom = `http://127.0.0.1:${sandbox.env.PROM_PORT}`;
    // Prometheus discovers its Alertmanager within seconds (its discovery updates every 5 s).
    let managers: string[] = [];
    await until('Prometheus to send to the Alertmanager', () => {
      const r = spawnSync('curl', ['-fsS', `${prom}/api/v1/alertmanagers`], { encoding: 'utf8' });
      managers = r.status === 0 ? JSON.parse(r.stdout).data.activeAlertmanagers.map((m: { url: string }) => m.url) : [];
      return managers.length > 0;
    }, 30);
    expect(managers).toEqual([`http://127.0.0.1:${sandbox.env.ALERTMANAGER_PORT}/api/v2/alerts`]);
    const rules = await (await fetch(`${prom}/api/v1/rules?type=alert`)).json();
    const names = rules.data.groups.flatMap((g: { rules: Array<{ name: string }> }) => g.rules.map((r) => r.name));
    expect(names).toEqual(expect.arrayContaining(['DemoServiceDown', 'DemoHighErrorRate', 'DemoHighLatencyP95', 'ReadybookBackupTooOld', 'ReadybookDrillOverdue']));
    const status = spawnSync('bash', [SANDBOX_SH, 'status', sandbox.dir], { encoding: 'utf8' });
    expect(status.stdout).toMatch(/alertmanager: +running/);
  });

  it('breaks the service, sees the alert fire and notify, runs its runbook as a sub-run, and sees it resolve', async () => {
    const result = await sandbox.run('incident-drill', {}, ['--json']);
    expect(result.code, show(result)).toBe(0);
    const outputs = await outputsOf(sandbox, runIdOf(result.stdout));
    for (const key of ['MTTD_SECONDS', 'MTTR_SECONDS', 'NOTIFY_SECONDS', 'REMEDIATION_SECONDS']) expect(outputs[key], key).toMatch(/^\d+\.\d{3}$/);
    // The order of the chain, not its timings: detected before remediated, resolved after the remediation ended.
    expect(Number(outputs.MTTD_SECONDS)).toBeLessThan(Number(outputs.MTTR_SECONDS));
    expect(Number(outputs.REMEDIATION_STARTED_AT_MS)).toBeGreaterThanOrEqual(Number(outputs.FIRED_AT_MS));
    expect(Number(outputs.RESOLVED_AT_MS)).toBeGreaterThanOrEqual(Number(outputs.REMEDIATION_ENDED_AT_MS));
    expect(outputs.REMEDIATION_RUNBOOK).toBe('service-down');
    expect(outputs.RUNBOOK_URL).toBe('https://readybook.dev/runbooks/service-down/');
    expect(outputs.MTTR_TARGET_MET).toBe('true');
    expect(outputs.TIMELINE).toMatch(/^injected \S+Z; fired \+[\d.]+s; notified \+[\d.]+s; remediation started \+[\d.]+s; remediation ended \+[\d.]+s; resolved \+[\d.]+s$/);
    // The sub-run is a run of its own, with its journal and report, and it passed.
    const sub = report(outputs.REMEDIATION_RUN_ID!);
    expect(sub.runbook.id).toBe('service-down');
    expect(sub.status).toBe('passed');
    expect(sub.outputs.DIAGNOSIS).toBe('process-gone');
    // The webhook receiver recorded the firing and the resolved notification.
    const notes = readFileSync(join(sandbox.dir, 'alerts', 'notifications.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const statuses = notes.flatMap((n) => n.alerts.filter((a: any) => a.labels.alertname === 'DemoServiceDown').map((a: any) => a.status));
    expect(statuses).toEqual(expect.arrayContaining(['firing', 'resolved']));
    expect(await healthy()).toBe(true);
  });

  it('fails and undoes the failure when the alert does not fire within its bound', async () => {
    // The rule waits 3 s (for: 3s): it cannot fire within 2 s of the failure.
    const result = await sandbox.run('incident-drill', { FIRE_TIMEOUT: 2 }, ['--json']);
    expect(result.code, show(result)).toBe(1);
    const r = report(runIdOf(result.stdout));
    expect(r.failedStep.title).toBe('Wait for the alert to fire and notify');
    expect(r.steps[2].tail).toMatch(/alert DemoServiceDown to fire in Alertmanager did not happen within 2 s/);
    expect(r.rollback.map((s: { title: string; status: string }) => [s.title, s.status])).toContainEqual(['Inject the failure', 'passed']);
    expect(await healthy()).toBe(true);
    await quiet();
  });

  it('refuses an alert that no rule defines before it breaks anything', async () => {
    const before = pidOf('service');
    const result = await sandbox.run('incident-drill', { ALERT: 'DemoServiceGone' }, ['--json']);
    expect(result.code, show(result)).toBe(1);
    const r = report(runIdOf(result.stdout));
    expect(r.failedStep.title).toBe('Check the sandbox, Prometheus and Alertmanager');
    expect(r.steps[0].tail).toMatch(/Prometheus has no alert rule DemoServiceGone \(loaded: DemoServiceDown, /);
    expect(pidOf('service')).toBe(before); // never stopped
    expect(await healthy()).toBe(true);
  });

  it('fails, and leaves the service healthy, when the remediation runbook fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'readybook-remediation-'));
    const broken = join(dir, 'broken-fix.md');
    writeFileSync(broken, '---\ntitle: A fix that does not work\nparams:\n  SANDBOX: { type: string, default: .sandbox }\n---\n\n## Try to fix it\n\n```sh run\necho "cannot fix this" >&2\nexit 3\n```\n');
    const result = await sandbox.run('incident-drill', { REMEDIATION: broken }, ['--json']);
    expect(result.code, show(result)).toBe(1);
    const r = report(runIdOf(result.stdout));
    expect(r.failedStep.title).toBe("Run the alert's runbook (remediation, as a sub-run)");
    expect(r.outputs.REMEDIATION_EXIT).toBe('1');
    expect(r.steps[3].tail).toMatch(/the remediation runbook .*broken-fix\.md failed \(exit 1, run \S+-broken-fix-\S+\)/);
    expect(report(r.outputs.REMEDIATION_RUN_ID).status).not.toBe('passed');
    expect(await healthy()).toBe(true);
    await quiet();
  });

  for (const part of ['alertmanager', 'prometheus'] as const) {
    it(`fails with a clear error, and leaves the service healthy, when ${part} goes away during the drill`, async () => {
      const service = pidOf('service');
      const drill = sandbox.start('incident-drill');
      // The moment the failure is injected (the service process is gone), take the monitoring part away too.
      const ended = drill.done.then((r) => {
        throw new Error(`the drill ended before its injection:\n${show(r)}`);
      });
      await Promise.race([until('the injection', () => !alive(service)), ended]);
      ended.catch(() => {});
      process.kill(pidOf(part), 'SIGKILL');
      const result = await drill.done;
      expect(result.code, show(result)).toBe(1);
      const r = report(runIdOf(result.stdout));
      expect(r.failedStep.title).toBe('Wait for the alert to fire and notify');
      const name = part === 'alertmanager' ? 'Alertmanager' : 'Prometheus';
      expect(r.steps[2].tail).toMatch(new RegExp(`${name} at http://127\\.0\\.0\\.1:\\d+ is unreachable \\(ECONNREFUSED\\) while waiting for alert DemoServiceDown to fire`));
      expect(r.steps[2].tail).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
      expect(await healthy()).toBe(true);
      // sandbox.sh up starts what is missing again.
      const up = spawnSync('bash', [SANDBOX_SH, 'up', sandbox.dir], { encoding: 'utf8' });
      expect(up.status, up.stderr).toBe(0);
      expect(alive(pidOf(part))).toBe(true);
      await quiet();
    });
  }

  it('publishes run results to the Pushgateway, where Prometheus reads them for the readiness alerts', async () => {
    const gateway = `http://127.0.0.1:${sandbox.env.PUSHGATEWAY_PORT}`;
    const run = spawnSync(process.execPath, [join(REPO, 'packages/engine/bin/readybook.js'), 'run', join(REPO, 'runbooks/backup.md'), '--yes', '--param', `SANDBOX=${sandbox.dir}`], {
      cwd: sandbox.cwd,
      env: { ...process.env, NO_COLOR: '1', READYBOOK_PUSHGATEWAY: gateway },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const text = await (await fetch(`${gateway}/metrics`)).text();
    expect(text).toMatch(/readybook_run_last_success_timestamp_seconds\{instance="",job="readybook",runbook="backup"\} \d/);
    const query = encodeURIComponent('readybook_run_last_success_timestamp_seconds{runbook="backup"}');
    await until('Prometheus to scrape the Pushgateway', () => {
      const r = spawnSync('curl', ['-fsS', `http://127.0.0.1:${sandbox.env.PROM_PORT}/api/v1/query?query=${query}`], { encoding: 'utf8' });
      return r.status === 0 && JSON.parse(r.stdout).data.result.length === 1;
    });
  });
});

describe.skipIf(!alertingInstalled && !process.env.CI)('alert rules in the sandbox', () => {
  it('sandbox up refuses rule files that do not parse, with promtool\'s words', () => {
    const rules = mkdtempSync(join(tmpdir(), 'readybook-rules-'));
    writeFileSync(join(rules, 'broken.yml'), 'groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: up ==\n');
    const dir = join(mkdtempSync(join(tmpdir(), 'readybook-sandbox-rules-')), '.sandbox');
    const up = spawnSync('bash', [SANDBOX_SH, 'up', dir], { encoding: 'utf8', env: { ...process.env, SANDBOX_MONITORING_RULES: rules } });
    spawnSync('bash', [SANDBOX_SH, 'down', dir]);
    expect(up.status).toBe(1);
    expect(up.stderr).toContain(`the alert rules in ${rules} do not pass promtool check rules`);
    expect(up.stderr).toMatch(/broken\.yml: 5:\d+: group "x", rule 1, "X": could not parse expression/);
  });
});
