#!/usr/bin/env node
// Load and progressive-delivery figures of the sandbox (issue 16), every one against a baseline taken
// in the same run, on a sandbox of its own (real PostgreSQL, HAProxy and Prometheus, torn down at the end):
//   proxy cost:    p95 of GET /items through HAProxy vs straight to the service, at the same rate and
//                  concurrency, rounds alternating (direct, proxy, direct, …); the ratio of the medians
//   zero downtime: failed client requests during blue/green switches under load (canary.mjs blue-green)
//   rollback:      failed client requests during an automatic canary rollback of the `bad` release (one
//                  GET /items in five answers 500), and the canary's share of the traffic — the failures
//                  are bounded by that share, not zero
//   detection:     the canary's first traffic → rollback decision, against the analysis interval
// Latencies are per request, percentiles by nearest rank (packages/sandbox/bin/load.mjs).
// Usage: pnpm bench:load [--quick]    (--quick: fewer and shorter rounds)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages/sandbox/bin');
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 5;
const SECONDS = quick ? 2 : 4;
const SWITCHES = quick ? 2 : 4;
const LOAD = ['--connections', '10', '--rate', '200'];

const work = mkdtempSync(join(tmpdir(), 'readybook-bench-load-'));
const dir = join(work, '.sandbox');
let env = process.env;

function sh(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', env, ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return result.stdout;
}
const script = (name, ...args) => (name.endsWith('.mjs') ? sh(env.SANDBOX_NODE, [join(bin, name), ...args]) : sh('bash', [join(bin, name), ...args]));
const keyValues = (text) => Object.fromEntries(text.split('\n').filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

/** Starts load.mjs; `stop()` sends SIGTERM and resolves to its outputs. */
function startLoad(args) {
  const child = spawn(env.SANDBOX_NODE, [join(bin, 'load.mjs'), ...LOAD, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (err += chunk));
  const done = new Promise((ok, fail) =>
    child.on('close', (code) => (code === 0 ? ok(keyValues(out)) : fail(new Error(`load.mjs ${args.join(' ')} failed (${code}):\n${err}`)))),
  );
  return { done, stop: () => {
    child.kill('SIGTERM');
    return done;
  } };
}
const runLoad = (url) => startLoad(['--url', url, '--duration', String(SECONDS)]).done;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** The canary slot running VERSION, healthy, weight 0, ready for traffic. */
function startCanary(version) {
  script('build-release.sh', version);
  script('migrate.sh', version);
  script('canary.mjs', 'start', version);
}

/** Runs canary.mjs ARGS under load; resolves to { canary: its outputs, load: the load's outputs }. */
async function underLoad(args) {
  const load = startLoad(['--duration', '180']);
  await sleep(1_000);
  const result = spawnSync(env.SANDBOX_NODE, [join(bin, 'canary.mjs'), ...args], { encoding: 'utf8', env });
  await sleep(500);
  const loadOut = await load.stop();
  if (![0, 1].includes(result.status)) throw new Error(`canary.mjs ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return { canary: keyValues(result.stdout), load: loadOut };
}

try {
  sh('bash', [join(bin, 'sandbox.sh'), 'up', dir], { env: { ...process.env, SANDBOX_LB: 'required' } });
  env = Object.fromEntries(
    sh('bash', ['-c', 'set -a; . "$1/env"; env -0', 'env', dir])
      .split('\0')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
  for (const step of [['build-release.sh', 'v1'], ['migrate.sh', 'v1'], ['switch.sh', 'v1'], ['start.sh']]) script(...step);
  script('health.mjs', '30', '--version', 'v1');
  script('lb.mjs', 'wait-up', 'stable', '30');
  const node = spawnSync(env.SANDBOX_NODE, ['-v'], { encoding: 'utf8' }).stdout.trim();
  console.log(`bench:load — ${quick ? 'quick, ' : ''}GET /items, 10 connections, at most 200 requests/s; service on ${node}`);

  // 1. The cost of the proxy layer.
  const direct = [];
  const proxied = [];
  for (let round = 0; round < ROUNDS; round++) {
    direct.push(Number((await runLoad(`http://127.0.0.1:${env.SERVICE_PORT}/items`)).P95_MS));
    proxied.push(Number((await runLoad(`http://127.0.0.1:${env.PROXY_PORT}/items`)).P95_MS));
  }
  const [d, p] = [median(direct), median(proxied)];
  console.log(`\np95, median of ${ROUNDS} rounds of ${SECONDS} s each (alternating):`);
  console.log(`  direct to the service   ${d.toFixed(2)} ms   (rounds: ${direct.join(', ')})`);
  console.log(`  through HAProxy         ${p.toFixed(2)} ms   (rounds: ${proxied.join(', ')})`);
  console.log(`  ratio proxy / direct    ${(p / d).toFixed(2)}×`);

  // 2. Zero-downtime switches.
  console.log(`\nzero-downtime switches under load (blue/green through HAProxy's runtime API):`);
  let from = 'v1';
  let failedTotal = 0;
  let requestsTotal = 0;
  for (let i = 0; i < SWITCHES; i++) {
    const to = from === 'v1' ? 'v2' : 'v1';
    startCanary(to);
    const { canary, load } = await underLoad(['blue-green', to]);
    failedTotal += Number(load.FAILED_REQUESTS);
    requestsTotal += Number(load.REQUESTS);
    console.log(`  ${from} → ${to}: ${load.FAILED_REQUESTS} failed of ${load.REQUESTS} requests; cut-over ${canary.SWITCH_SECONDS} s, whole switch ${(Number(canary.SWITCH_SECONDS) + Number(canary.PROMOTE_SECONDS)).toFixed(2)} s`);
    from = to;
  }
  console.log(`  total: ${failedTotal} failed of ${requestsTotal} requests (target 0)`);

  // 3 and 4. An automatic canary rollback.
  startCanary('bad');
  const { canary, load } = await underLoad(['stages', 'bad']);
  const share = Number(canary.CANARY_REQUESTS) / Number(load.REQUESTS);
  console.log(`\nautomatic canary rollback of \`bad\` (stages 10 → 50 → 100 %; one GET /items in five fails):`);
  console.log(`  outcome                 ${canary.STAGES} → ${canary.CANARY_RESULT}`);
  console.log(`  failed client requests  ${load.FAILED_REQUESTS} of ${load.REQUESTS} (${((100 * Number(load.FAILED_REQUESTS)) / Number(load.REQUESTS)).toFixed(2)} %)`);
  console.log(`  canary's share          ${canary.CANARY_REQUESTS} requests, ${(100 * share).toFixed(1)} % of the traffic; failed / canary requests ${(Number(load.FAILED_REQUESTS) / Number(canary.CANARY_REQUESTS)).toFixed(3)}`);
  console.log(`  detection               ${canary.DETECTION_SECONDS} s = ${(Number(canary.DETECTION_SECONDS) / Number(canary.ANALYSIS_INTERVAL_SECONDS)).toFixed(2)} × the ${canary.ANALYSIS_INTERVAL_SECONDS} s analysis interval (failureLimit 1: the 2nd failed measurement decides)`);
  console.log(`  rollback                ${canary.ROLLBACK_SECONDS} s (decision → canary drained and stopped)`);
} finally {
  spawnSync('bash', [join(bin, 'sandbox.sh'), 'down', dir], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
}
