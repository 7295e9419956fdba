import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../record/report.js';
import { outputMetricName, runMetrics } from './exposition.js';
import { mergeTextfile, publishRunMetrics, pushgatewayGroupUrl } from './push.js';

function report(status: Report['status'], outputs: Record<string, string> = {}, runbook = 'dr-drill'): Report {
  return {
    runId: `20261202T080000Z-${runbook}-abcd`,
    runbook: { id: runbook, title: 'T', path: `runbooks/${runbook}.md`, hash: 'x' } as Report['runbook'],
    status,
    exitCode: status === 'passed' ? 0 : 1,
    startedAt: '2026-12-02T08:00:00.000Z',
    endedAt: '2026-12-02T08:00:12.500Z',
    durationMs: 12_500,
    operator: 'o',
    host: 'h',
    node: 'v24',
    params: {},
    outputs,
    steps: [],
    rollback: null,
    resumes: [],
  };
}

/** `promtool check metrics` (parse and lint an exposition on stdin): true when clean, undefined without promtool. */
function promtoolAccepts(text: string): boolean | undefined {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) return undefined;
  return r.status === 0;
}

describe('a run as Prometheus metrics', () => {
  it('gives last success, duration, status and the numeric outputs marked as metrics', () => {
    const { text, skipped } = runMetrics(report('passed', { RTO_SECONDS: '3.25', RPO_SECONDS: '12', BACKUP_USED: 'app.dump', EMPTY: '' }), ['RTO_SECONDS', 'RPO_SECONDS', 'BACKUP_USED', 'MISSING']);
    expect(text).toContain('readybook_run_last_success_timestamp_seconds{runbook="dr-drill"} 1796198412.5\n');
    expect(text).toContain('readybook_run_duration_seconds{runbook="dr-drill"} 12.5\n');
    expect(text).toContain('readybook_run_status{runbook="dr-drill",status="passed"} 1\n');
    expect(text).toContain('readybook_run_status{runbook="dr-drill",status="failed"} 0\n');
    expect(text).toContain('readybook_output_rto_seconds{runbook="dr-drill"} 3.25\n');
    expect(text).toContain('readybook_output_rpo_seconds{runbook="dr-drill"} 12\n');
    expect(text).not.toContain('backup_used');
    expect(skipped.map((s) => s.output)).toEqual(['BACKUP_USED', 'MISSING']);
    expect(promtoolAccepts(text), 'promtool check metrics').not.toBe(false);
  });

  it('leaves the last success time and the outputs out of a run that did not pass', () => {
    const { text } = runMetrics(report('rolled-back', { RTO_SECONDS: '99' }), ['RTO_SECONDS']);
    expect(text).not.toContain('last_success');
    expect(text).not.toContain('rto_seconds');
    expect(text).toContain('readybook_run_status{runbook="dr-drill",status="rolled-back"} 1\n');
  });

  it('escapes label values and names output metrics predictably', () => {
    expect(runMetrics(report('passed', {}, 'we"ird\\id')).text).toContain('{runbook="we\\"ird\\\\id"}');
    expect(outputMetricName('P95_MS')).toBe('readybook_output_p95_ms');
  });
});

describe('textfile', () => {
  it('keeps other runbooks, replaces this one, and keeps the last success through a failed run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'readybook-metrics-'));
    const path = join(dir, 'readybook.prom');
    const env = { READYBOOK_METRICS_TEXTFILE: path };
    return (async () => {
      await publishRunMetrics(report('passed', {}, 'backup'), [], env);
      await publishRunMetrics(report('passed', { RTO_SECONDS: '5' }), ['RTO_SECONDS'], env);
      let text = readFileSync(path, 'utf8');
      expect(text).toContain('readybook_run_last_success_timestamp_seconds{runbook="backup"}');
      expect(text).toContain('readybook_output_rto_seconds{runbook="dr-drill"} 5');
      const failed = { ...report('failed'), endedAt: '2026-12-03T00:00:00.000Z' };
      const result = await publishRunMetrics(failed, ['RTO_SECONDS'], env);
      expect(result.published).toEqual([path]);
      text = readFileSync(path, 'utf8');
      expect(text).toContain('readybook_run_last_success_timestamp_seconds{runbook="dr-drill"} 1796198412.5'); // kept
      expect(text).toContain('readybook_output_rto_seconds{runbook="dr-drill"} 5'); // kept
      expect(text).toContain('readybook_run_status{runbook="dr-drill",status="failed"} 1');
      expect(text).toContain('readybook_run_last_timestamp_seconds{runbook="dr-drill"} 1796256000');
      expect(text.match(/^readybook_run_status\{runbook="dr-drill",status="passed"\}/gm)).toHaveLength(1);
      expect(text.match(/^# TYPE readybook_run_status gauge$/gm)).toHaveLength(1);
      expect(promtoolAccepts(text), 'promtool check metrics').not.toBe(false);
      rmSync(dir, { recursive: true, force: true });
    })();
  });

  it('says why it could not write, and never throws', async () => {
    const result = await publishRunMetrics(report('passed'), [], { READYBOOK_METRICS_TEXTFILE: '/nonexistent/dir/x.prom' });
    expect(result.published).toEqual([]);
    expect(result.warnings).toEqual(['run metrics were not written to /nonexistent/dir/x.prom: ENOENT']);
  });

  it('merges into a file it did not write', () => {
    const merged = mergeTextfile('# HELP node_x X.\n# TYPE node_x gauge\nnode_x 1\n', report('passed'), runMetrics(report('passed')).text);
    expect(merged.startsWith('# HELP node_x X.\n# TYPE node_x gauge\nnode_x 1\n')).toBe(true);
  });
});

async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

const gatewayBin = ['/usr/bin/prometheus-pushgateway', '/usr/local/bin/pushgateway'].find((p) => existsSync(p));

describe.skipIf(!gatewayBin && !process.env.CI)('a real Pushgateway', () => {
  let gateway: ChildProcess;
  let base = '';
  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    gateway = spawn(gatewayBin as string, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    for (let i = 0; i < 100; i += 1) {
      const ok = await fetch(`${base}/-/ready`).then((r) => r.ok, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the Pushgateway did not start');
  });
  afterAll(() => {
    gateway?.kill('SIGTERM');
  });
  const scrape = async () => (await fetch(`${base}/metrics`)).text();

  it('takes a PUT for a passing run and a POST for a failed one, keeping the last success', async () => {
    const env = { READYBOOK_PUSHGATEWAY: base };
    const first = await publishRunMetrics(report('passed', { RTO_SECONDS: '4' }), ['RTO_SECONDS'], env);
    expect(first).toEqual({ published: [pushgatewayGroupUrl(base, 'dr-drill')], warnings: [] });
    let text = await scrape();
    expect(text).toMatch(/readybook_run_last_success_timestamp_seconds\{instance="",job="readybook",runbook="dr-drill"\} 1\.7961984125e\+09/);
    expect(text).toMatch(/readybook_output_rto_seconds\{instance="",job="readybook",runbook="dr-drill"\} 4/);
    await publishRunMetrics(report('failed'), ['RTO_SECONDS'], env);
    text = await scrape();
    expect(text).toMatch(/readybook_run_last_success_timestamp_seconds\{instance="",job="readybook",runbook="dr-drill"\} 1\.7961984125e\+09/);
    expect(text).toMatch(/readybook_run_status\{instance="",job="readybook",runbook="dr-drill",status="failed"\} 1/);
    expect(text).toMatch(/readybook_output_rto_seconds\{instance="",job="readybook",runbook="dr-drill"\} 4/);
  });

  it('warns, without the credentials, when the Pushgateway is not there', async () => {
    const port = await freePort();
    const result = await publishRunMetrics(report('passed'), [], { READYBOOK_PUSHGATEWAY: `http://user:s3cret@127.0.0.1:${port}` });
    expect(result.published).toEqual([]);
    expect(result.warnings).toEqual([`run metrics were not pushed: the Pushgateway at http://127.0.0.1:${port} did not answer (ECONNREFUSED)`]);
    expect(JSON.stringify(result)).not.toContain('s3cret');
  });

  it('is called at the end of `readybook run`, and a failing push does not change the exit code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'readybook-metrics-cli-'));
    const bin = resolve(import.meta.dirname, '../../bin/readybook.js');
    writeFileSync(join(dir, 'measured.md'), '---\ntitle: Measured\nmetrics: [SPEED]\n---\n\n## Measure\n\n```sh run\necho SPEED=42 >> "$READYBOOK_OUTPUT"\n```\n');
    const env = { ...process.env, READYBOOK_HOME: join(dir, '.readybook'), NO_COLOR: '1' };
    const ok = spawnSync(process.execPath, [bin, 'run', 'measured.md', '--yes'], { cwd: dir, env: { ...env, READYBOOK_PUSHGATEWAY: base, READYBOOK_METRICS_TEXTFILE: join(dir, 'rb.prom') }, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(readFileSync(join(dir, 'rb.prom'), 'utf8')).toContain('readybook_output_speed{runbook="measured"} 42');
    return scrape().then(async (text) => {
      expect(text).toMatch(/readybook_output_speed\{instance="",job="readybook",runbook="measured"\} 42/);
      const port = await freePort();
      const down = spawnSync(process.execPath, [bin, 'run', 'measured.md', '--yes'], { cwd: dir, env: { ...env, READYBOOK_PUSHGATEWAY: `http://127.0.0.1:${port}` }, encoding: 'utf8' });
      expect(down.status).toBe(0);
      expect(down.stderr).toContain(`warning RB069: run metrics were not pushed: the Pushgateway at http://127.0.0.1:${port} did not answer (ECONNREFUSED)`);
      expect(down.stderr).not.toMatch(/\n\s+at /); // no stack trace
      rmSync(dir, { recursive: true, force: true });
    });
  });
});
