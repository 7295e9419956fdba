// The load balancer, metrics, load and canary parts of the sandbox, with real HAProxy and Prometheus
// processes: sandbox up/down, the runtime API, and the load-test, zero-downtime-deploy and canary-deploy
// runbooks end to end. HAProxy and Prometheus must be installed (Debian: apt-get install haproxy
// prometheus); with CI=true a missing one fails this file, elsewhere it is skipped with a warning.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputsOf, REPO, runIdOf, type Sandbox, sandboxUp, show } from './helpers.js';

const BIN = join(REPO, 'packages/sandbox/bin');
const missing = ['haproxy', 'prometheus'].filter(
  (name) => spawnSync('sh', ['-c', `command -v ${name} || test -x /usr/sbin/${name}`]).status !== 0,
);
if (missing.length > 0) {
  const message = `${missing.join(' and ')} not installed: the load balancer and canary tests need them (Debian: apt-get install haproxy prometheus)`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`SKIPPED lb-canary.test.ts: ${message}`);
}

let sandbox: Sandbox;
const node = (script: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [join(BIN, script), ...args], { encoding: 'utf8', env: { ...process.env, ...sandbox.env, ...env } });
const pidOf = (name: string) => (existsSync(join(sandbox.dir, `${name}.pid`)) ? Number(readFileSync(join(sandbox.dir, `${name}.pid`), 'utf8')) : 0);
const alive = (pid: number) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not reaped yet) is gone.
  return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
};
const viaProxy = async (path: string) => (await fetch(`http://127.0.0.1:${sandbox.env.PROXY_PORT}${path}`)).json();
async function runWithOutputs(name: string, params: Record<string, string | number>) {
  const result = await sandbox.run(name, params, ['--json']);
  return { result, outputs: await outputsOf(sandbox, runIdOf(result.stdout)) };
}

describe.skipIf(missing.length > 0)('the sandbox behind HAProxy, watched by Prometheus', () => {
  beforeAll(async () => {
    sandbox = sandboxUp();
    const v1 = await sandbox.run('deploy', { VERSION: 'v1' });
    if (v1.code !== 0) throw new Error(`deploy v1 failed: ${show(v1)}`);
  });
  afterAll(() => sandbox?.down());

  it('sandbox up starts HAProxy (with its Prometheus exporter) and Prometheus on loopback ports', async () => {
    for (const key of ['PROXY_PORT', 'CANARY_PORT', 'LB_STATS_PORT', 'PROM_PORT']) expect(sandbox.env[key], key).toMatch(/^\d+$/);
    expect(alive(pidOf('haproxy'))).toBe(true);
    expect(alive(pidOf('prometheus'))).toBe(true);
    // The generated configurations pass the tools' own checks.
    const promtool = spawnSync('promtool', ['check', 'config', join(sandbox.dir, 'prometheus/prometheus.yml')], { encoding: 'utf8' });
    expect(promtool.status, promtool.stdout + promtool.stderr).toBe(0);
    const haproxyCheck = spawnSync(sandbox.env.SANDBOX_HAPROXY!, ['-c', '-f', join(sandbox.dir, 'lb/haproxy.cfg')], { encoding: 'utf8' });
    expect(haproxyCheck.status, haproxyCheck.stderr).toBe(0);
    expect(await (await fetch(`http://127.0.0.1:${sandbox.env.LB_STATS_PORT}/metrics`)).text()).toMatch(/^haproxy_process_/m);
    // Prometheus scrapes both service slots, HAProxy and the Pushgateway (run results) every second.
    let targets: { labels: Record<string, string>; health: string }[] = [];
    // Each target is 'unknown' until its first scrape; wait for the three that must be up (the canary slot is empty).
    const mustBeUp = (t: { labels: Record<string, string> }) => t.labels.slot === 'stable' || t.labels.job === 'haproxy' || t.labels.job === 'pushgateway';
    for (let i = 0; i < 100; i++) {
      targets = (await (await fetch(`http://127.0.0.1:${sandbox.env.PROM_PORT}/api/v1/targets`)).json()).data.activeTargets;
      if (targets.filter(mustBeUp).length === 3 && targets.filter(mustBeUp).every((t) => t.health === 'up')) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(targets.map((t) => `${t.labels.job}/${t.labels.slot ?? '-'}`).sort()).toEqual(['haproxy/-', 'pushgateway/-', 'service/canary', 'service/stable']);
    expect(targets.find((t) => t.labels.slot === 'stable')?.health).toBe('up');
    expect(targets.find((t) => t.labels.job === 'haproxy')?.health).toBe('up');
    expect(targets.find((t) => t.labels.job === 'pushgateway')?.health).toBe('up');
  });

  it('the service serves Prometheus metrics labelled with its release', async () => {
    expect((await viaProxy('/version')).version).toBe('v1');
    const text = await (await fetch(`http://127.0.0.1:${sandbox.env.SERVICE_PORT}/metrics`)).text();
    expect(text).toMatch(/^http_requests_total\{route="GET \/version",status="200",release="v1"\} \d+/m);
    expect(text).toMatch(/^http_request_duration_seconds_bucket\{le="0.1",release="v1",route="GET \/version",status="200"\} \d+/m);
  });

  it('set weight is read back with get weight, and kept in the config across an HAProxy restart', async () => {
    expect(node('lb.mjs', ['weight', 'canary', '7']).stdout).toMatch(/canary: weight 7/);
    expect(node('lb.mjs', ['weight', 'canary']).stdout.trim()).toBe('7');
    expect(readFileSync(join(sandbox.dir, 'lb/haproxy.cfg'), 'utf8')).toMatch(/server canary 127\.0\.0\.1:\d+ weight 7 check disabled/);

    const old = pidOf('haproxy');
    process.kill(old, 'SIGTERM');
    for (let i = 0; i < 100 && alive(old); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(alive(old)).toBe(false);
    const up = spawnSync('bash', [join(BIN, 'sandbox.sh'), 'up', sandbox.dir], { encoding: 'utf8' });
    expect(up.status, up.stderr).toBe(0);
    expect(pidOf('haproxy')).not.toBe(old);
    expect(node('lb.mjs', ['weight', 'canary']).stdout.trim()).toBe('7');
    expect(node('lb.mjs', ['show']).stdout).toMatch(/canary +MAINT +weight +7/);
    expect(node('lb.mjs', ['weight', 'canary', '0']).status).toBe(0);
  });

  it('the runtime API refuses bad input, and an unreachable socket is a clear error', () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['weight', 'canary', '300'], {}, /a weight is an integer from 0 to 256/],
      [['weight', 'green', '10'], {}, /unknown server "green"/],
      [['state', 'canary', 'asleep'], {}, /a server state is ready, drain or maint/],
      [['show'], { LB_SOCKET: join(sandbox.dir, 'no-such.sock') }, /cannot reach HAProxy's runtime API at .*no-such\.sock \(ENOENT\)/],
    ];
    for (const [args, env, message] of cases) {
      const result = node('lb.mjs', args, env);
      expect(result.status, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    expect(node('lb.mjs', ['weight', 'canary']).stdout.trim()).toBe('0');

    // canary.mjs: bad stages are refused before anything changes; an unreachable socket stops it (exit 4).
    const stages = node('canary.mjs', ['stages', 'v3', '--stages', '50,10']);
    expect(stages.status).toBe(2);
    expect(stages.stderr).toMatch(/--stages must be rising whole percentages ending at 100/);
    const lost = node('canary.mjs', ['stages', 'v3'], { LB_SOCKET: join(sandbox.dir, 'no-such.sock') });
    expect(lost.status).toBe(4);
    expect(lost.stderr).toMatch(/cannot reach HAProxy's runtime API/);
    const noProm = node('canary.mjs', ['stages', 'v3', '--prometheus', `http://127.0.0.1:${sandbox.env.CANARY_PORT}`]);
    expect(noProm.status).toBe(4);
    expect(noProm.stderr).toMatch(/cannot reach Prometheus at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(node('lb.mjs', ['weight', 'stable']).stdout.trim()).toBe('100');
  });

  it('the load generator stays on loopback and says when nothing answers', () => {
    const remote = node('load.mjs', ['--url', 'http://192.0.2.1/items', '--duration', '1']);
    expect(remote.status).toBe(2);
    expect(remote.stderr).toMatch(/loopback only: 192\.0\.2\.1/);
    const nothing = node('load.mjs', ['--url', `http://127.0.0.1:${sandbox.env.CANARY_PORT}/items`, '--duration', '1']);
    expect(nothing.status).toBe(1);
    expect(nothing.stderr).toMatch(/no request to .* was answered \(\{"ECONNREFUSED":\d+\}\)/);
    expect(nothing.stdout).toMatch(/^ERROR_RATE=1$/m);
  });

  it('load-test: p50/p95/p99 by nearest rank, error rate and throughput through HAProxy', async () => {
    const { result, outputs } = await runWithOutputs('load-test', { DURATION: 2, RATE: 100, CONNECTIONS: 5 });
    expect(result.code, show(result)).toBe(0);
    expect(Number(outputs.REQUESTS)).toBeGreaterThan(50);
    expect(Number(outputs.ERROR_RATE)).toBe(0);
    expect(Number(outputs.P50_MS)).toBeLessThanOrEqual(Number(outputs.P95_MS));
    expect(Number(outputs.P95_MS)).toBeLessThanOrEqual(Number(outputs.P99_MS));
    expect(Number(outputs.RPS)).toBeGreaterThan(20);
    expect(outputs).toMatchObject({ SERVED_VERSION: 'v1', CONNECTIONS: '5' });
    const report = JSON.parse(readFileSync(outputs.LOAD_REPORT!, 'utf8'));
    expect(report.statuses['200']).toBe(Number(outputs.REQUESTS));
  });

  it('zero-downtime-deploy: switches to v2 under load with no failed request', async () => {
    const { result, outputs } = await runWithOutputs('zero-downtime-deploy', { VERSION: 'v2' });
    expect(result.code, show(result)).toBe(0);
    expect(outputs).toMatchObject({ FAILED_REQUESTS: '0', DEPLOYED_VERSION: 'v2', PREVIOUS_VERSION: 'v1' });
    expect(Number(outputs.LOAD_REQUESTS)).toBeGreaterThan(100);
    expect(Number(outputs.SWITCH_SECONDS)).toBeLessThan(10);
    expect((await viaProxy('/version')).version).toBe('v2');
    expect(alive(pidOf('canary'))).toBe(false);
    expect(readFileSync(join(sandbox.dir, 'lb/servers.json'), 'utf8')).toMatch(/"canary": \{\s*"weight": 0,\s*"state": "maint"/);
  });

  it('zero-downtime-deploy: a load generator that cannot start stops the run before any switch', async () => {
    const result = await sandbox.run('zero-downtime-deploy', { VERSION: 'v1', CONNECTIONS: 0 });
    expect(result.code, show(result)).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/--connections must be a number from 1 to 1000, got 0/);
    expect(result.stdout + result.stderr).toMatch(/background block load failed|no request went through HAProxy/);
    expect((await viaProxy('/version')).version).toBe('v2');
    expect(alive(pidOf('canary'))).toBe(false);
  });

  it('canary-deploy: v3 passes every stage and is promoted', async () => {
    const { result, outputs } = await runWithOutputs('canary-deploy', { VERSION: 'v3' });
    expect(result.code, show(result)).toBe(0);
    expect(outputs).toMatchObject({ STAGES: '10:Successful,50:Successful,100:Successful', CANARY_RESULT: 'promoted', CLIENT_ERRORS: '0', DEPLOYED_VERSION: 'v3' });
    // The analysis limits, for the site's charts of the stages (from packages/sandbox/analysis/canary.json).
    expect(outputs.ANALYSIS_LIMITS).toBe('error-rate<0.05,p95-latency<0.5');
    expect(Number(outputs.CANARY_REQUESTS)).toBeGreaterThan(0);
    expect((await viaProxy('/version')).version).toBe('v3');
    const record = JSON.parse(readFileSync(outputs.ANALYSIS_RECORD!, 'utf8'));
    expect(record.stages.map((s: { weight: number }) => s.weight)).toEqual([10, 50, 100]);
  });

  it('canary-deploy drill: a bad release is detected and rolled back by itself', async () => {
    const { result, outputs } = await runWithOutputs('canary-deploy', { VERSION: 'bad', EXPECT: 'rollback' });
    expect(result.code, show(result)).toBe(0);
    expect(outputs).toMatchObject({ STAGES: '10:Failed', CANARY_PHASE: 'Failed', CANARY_RESULT: 'rolled-back', ROLLBACK_TARGET_MET: 'true' });
    // failureLimit 1 at a 3 s interval: the second failed measurement decides, two intervals in.
    expect(Number(outputs.DETECTION_SECONDS)).toBeGreaterThanOrEqual(6);
    expect(Number(outputs.DETECTION_SECONDS)).toBeLessThan(30);
    expect(Number(outputs.ROLLBACK_SECONDS)).toBeLessThan(30);
    // One in five of the canary's GET /items fails; the canary had about 10 % of the traffic.
    expect(Number(outputs.CLIENT_ERRORS)).toBeGreaterThan(0);
    expect(Number(outputs.CLIENT_ERRORS)).toBeLessThanOrEqual(Math.ceil(Number(outputs.CANARY_REQUESTS) / 5) + 1);
    expect(Number(outputs.CANARY_SHARE)).toBeLessThan(0.3);
    expect((await viaProxy('/version')).version).toBe('v3');
    expect(alive(pidOf('canary'))).toBe(false);
    expect(node('lb.mjs', ['weight', 'stable']).stdout.trim()).toBe('100');
  });

  it('canary-deploy of a bad release fails the run, and the stable release keeps serving', async () => {
    const result = await sandbox.run('canary-deploy', { VERSION: 'bad' });
    expect(result.code, show(result)).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/the canary bad was not promoted: rolled-back/);
    expect((await viaProxy('/version')).version).toBe('v3');
    expect(alive(pidOf('canary'))).toBe(false);
  });

  it('canary-deploy stops at its first step on a template naming a metric Prometheus never scraped', async () => {
    const template = JSON.parse(readFileSync(join(REPO, 'packages/sandbox/analysis/canary.json'), 'utf8'));
    template.metrics[0].query = template.metrics[0].query.replaceAll('http_requests_total', 'http_request_totl');
    const file = join(sandbox.cwd, 'typo.json');
    writeFileSync(file, JSON.stringify(template));
    const result = await sandbox.run('canary-deploy', { VERSION: 'v2', ANALYSIS_TEMPLATE: file });
    expect(result.code, show(result)).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/unknown metric in a query .*error-rate: http_request_totl/);
    expect(alive(pidOf('canary'))).toBe(false);
    expect((await viaProxy('/version')).version).toBe('v3');
  });

  it('Prometheus lost in the middle of an analysis rolls the canary back (phase Error)', async () => {
    for (const script of ['build-release.sh', 'migrate.sh']) {
      const built = spawnSync('bash', [join(BIN, script), 'v2'], { encoding: 'utf8', env: { ...process.env, ...sandbox.env } });
      expect(built.status, built.stderr).toBe(0);
    }
    const started = node('canary.mjs', ['start', 'v2']);
    expect(started.status, started.stderr).toBe(0);
    const child = spawn(process.execPath, [join(BIN, 'canary.mjs'), 'stages', 'v2'], { env: { ...process.env, ...sandbox.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      // Once the first stage is analysing (weights changed), Prometheus goes away.
      if (stderr.includes('stage 10 %: analysing') && alive(pidOf('prometheus'))) process.kill(pidOf('prometheus'), 'SIGTERM');
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(1);
    expect(stdout).toMatch(/^STAGES=10:Error$/m);
    expect(stdout).toMatch(/^CANARY_RESULT=rolled-back$/m);
    expect(stderr).toMatch(/rolling back: cannot reach Prometheus/);
    expect(alive(pidOf('canary'))).toBe(false);
    expect(node('lb.mjs', ['weight', 'stable']).stdout.trim()).toBe('100');
    // sandbox up brings the missing Prometheus back.
    const up = spawnSync('bash', [join(BIN, 'sandbox.sh'), 'up', sandbox.dir], { encoding: 'utf8' });
    expect(up.status, up.stderr).toBe(0);
    expect(alive(pidOf('prometheus'))).toBe(true);
  });

  it('sandbox down stops every process it started', () => {
    const pids = ['service', 'haproxy', 'prometheus'].map(pidOf);
    expect(pids.every(alive)).toBe(true);
    const down = spawnSync('bash', [join(BIN, 'sandbox.sh'), 'down', sandbox.dir], { encoding: 'utf8' });
    expect(down.status, down.stderr).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(sandbox.dir)).toBe(false);
  });
});
