#!/usr/bin/env node
// canary.mjs — progressive delivery through the sandbox's HAProxy: the release in the canary slot (started
// with `start.sh --canary VERSION`) takes traffic in stages, and is promoted or removed by itself.
//
//   canary.mjs stages VERSION [--stages 10,50,100] [--template FILE] [--prometheus URL] [--json FILE] [--require-traffic]
//       For each stage: canary weight = stage, stable weight = 100 − stage (HAProxy's runtime API), then the
//       analysis template (default ../analysis/canary.json, with args.canary = VERSION) against Prometheus.
//       A stage that is not Successful (Failed, Inconclusive, or Prometheus lost) is the decision to roll
//       back: stable back to 100, canary to 0, drained, stopped and put in maintenance. All stages passing:
//       promote (below).
//   canary.mjs blue-green VERSION
//       Zero-downtime switch: all traffic to the canary slot at once, then promote.
//   With --require-traffic (stages, blue-green): refuse to start unless requests are going through HAProxy
//   (its servers' session counters move within a second) — a switch or an analysis without load proves nothing.
//   canary.mjs start VERSION
//       Start VERSION in the canary slot at weight 0 (no traffic yet), healthy directly and in HAProxy.
//   canary.mjs remove
//       Take the canary out: stable 100, canary 0, drained, stopped, maintenance. Safe to repeat.
//   canary.mjs back-to VERSION
//       Make VERSION the only release serving, without downtime: when it is current, remove the canary;
//       otherwise start it in the canary slot and switch to it as blue-green does (a rollback block's job).
//
// Promote: with all traffic on the canary slot and the stable slot drained, stable is put in maintenance,
// switched (switch.sh) and restarted on VERSION, health-checked directly, made ready at weight 100; then the
// canary slot is drained, stopped and put in maintenance. No request is sent to a server that is not serving.
//
// Output: KEY=value lines on stdout — CANARY_RESULT (promoted | rolled-back), CANARY_PHASE, STAGES
// (e.g. 10:Successful,50:Failed), STAGE_<percent>_<METRIC> (the stage's last measured value of each metric,
// e.g. STAGE_10_ERROR_RATE, STAGE_10_P95_LATENCY in seconds), ANALYSIS_LIMITS (each metric's pass condition
// `result[0] < N` as `name<N`, e.g. error-rate<0.05,p95-latency<0.5), ANALYSIS_INTERVAL_SECONDS, DETECTION_SECONDS (canary's first traffic →
// rollback decision), ROLLBACK_SECONDS (decision → canary removed), CANARY_REQUESTS (requests the canary
// release answered, from its own /metrics), SWITCH_SECONDS (blue-green: cut-over → old release drained),
// PROMOTE_SECONDS. The log goes to stderr. Exit 0 promoted, 1 rolled back, 2 invalid input (nothing
// changed), 4 Prometheus or HAProxy unreachable before anything changed.
import { spawnSync } from 'node:child_process';
import { readlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnalysisError, EXIT, checkMetricsKnown, describe, loadTemplate, prepareTemplate, prometheus, prometheusUrl, runAnalysis } from './lib/analysis.mjs';
import { LbError, servers, setState, setWeight, trafficOver, waitDrained, waitUp } from './lib/haproxy.mjs';

const bin = dirname(fileURLToPath(import.meta.url));
const log = (message) => console.error(`canary: ${message}`);
const seconds = (ms) => Math.round(ms) / 1_000;
const outputs = {};
const output = (key, value) => {
  outputs[key] = value;
  console.log(`${key}=${value}`);
};

/** Runs a sandbox script (bash or node), its output on our stderr; throws when it fails. */
function script(name, ...args) {
  const isNode = name.endsWith('.mjs');
  const result = spawnSync(isNode ? process.env.SANDBOX_NODE || process.execPath : 'bash', [join(bin, name), ...args], { stdio: ['ignore', 2, 2] });
  if (result.status !== 0) throw new Error(`${name} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

/** Requests the canary slot's release answered, except health checks: its own http_requests_total. */
async function canaryRequests() {
  try {
    const text = await (await fetch(`http://127.0.0.1:${process.env.CANARY_PORT}/metrics`, { signal: AbortSignal.timeout(3_000) })).text();
    let total = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith('http_requests_total{') && !line.includes('route="GET /health"')) total += Number(line.split(' ').pop());
    }
    return total;
  } catch {
    return Number.NaN;
  }
}

/** Sets both weights, the one that gains first, so there is always a server to send to. */
async function shift(canaryWeight) {
  const order = canaryWeight >= 50 ? [['canary', canaryWeight], ['stable', 100 - canaryWeight]] : [['stable', 100 - canaryWeight], ['canary', canaryWeight]];
  for (const [server, weight] of order) await setWeight(server, weight);
  log(`weights: canary ${canaryWeight}, stable ${100 - canaryWeight}`);
}

/** Canary out of rotation: returns how many requests it had answered. */
async function removeCanary() {
  await setState('stable', 'ready');
  await shift(0);
  await waitDrained('canary', 30);
  const answered = await canaryRequests();
  await setState('canary', 'maint');
  script('stop.sh', '--canary');
  log(`canary removed (it had answered ${answered} requests)`);
  return answered;
}

/** The canary slot has all traffic: move VERSION onto the stable slot and take the canary slot out. */
async function promote(version) {
  const started = Date.now();
  await waitDrained('stable', 30);
  await setState('stable', 'maint');
  script('switch.sh', version);
  script('restart.sh');
  script('health.mjs', '30', '--version', version);
  await setState('stable', 'ready');
  const answered = await removeCanary();
  output('PROMOTE_SECONDS', seconds(Date.now() - started));
  log(`promoted ${version}: it serves from the stable slot at weight 100`);
  return answered;
}

async function preflight(options) {
  const state = await servers();
  if (!state.canary || !state.stable) throw new LbError('HAProxy has no stable and canary servers');
  await waitUp('canary', 30);
  if (options.requireTraffic) {
    // A switch or an analysis without traffic proves nothing: the load must be flowing first.
    const sent = await trafficOver(1_000);
    if (sent === 0) throw new LbError('no request went through HAProxy in the last second; start the load first (--require-traffic)');
    log(`traffic: ${sent} requests through HAProxy in the last second`);
  }
  return state;
}

async function stages(version, options) {
  const weights = (options.stages ?? '10,50,100').split(',').map(Number);
  if (weights.length === 0 || weights.some((w, i) => !Number.isInteger(w) || w < 1 || w > 100 || (i > 0 && w <= weights[i - 1])) || weights.at(-1) !== 100) {
    throw new AnalysisError(`--stages must be rising whole percentages ending at 100, like 10,50,100; got ${options.stages}`, 'invalid');
  }
  const prepared = prepareTemplate(loadTemplate(options.template ?? join(bin, '../analysis/canary.json')), { canary: version });
  const client = prometheus(prometheusUrl(options.prometheus));
  await checkMetricsKnown(prepared, client);
  await preflight(options);
  output('ANALYSIS_INTERVAL_SECONDS', prepared.intervalMs / 1_000);

  const record = { version, stages: [], startedAt: Date.now() };
  let firstTrafficAt = null;
  let verdict = { phase: 'Successful', reason: '' };
  // Each metric's pass condition as a limit, e.g. ANALYSIS_LIMITS=error-rate<0.05,p95-latency<0.5 (for the
  // charts of the stages); conditions other than `result[0] < number` are left out.
  const limits = prepared.metrics.flatMap((m) => {
    if (m.failureCondition !== undefined) return [];
    const match = /^\s*result\[0\]\s*(<=?)\s*(-?[0-9.]+(?:e-?\d+)?)\s*$/i.exec(m.successCondition ?? '');
    return match ? [`${m.name}${match[1]}${match[2]}`] : [];
  });
  if (limits.length > 0) output('ANALYSIS_LIMITS', limits.join(','));
  for (const weight of weights) {
    try {
      await shift(weight);
    } catch (error) {
      verdict = { phase: 'Error', reason: error.message };
      break;
    }
    firstTrafficAt ??= Date.now();
    log(`stage ${weight} %: analysing ${prepared.metrics.map((m) => m.name).join(', ')} every ${prepared.interval}, ${prepared.count} times`);
    try {
      const result = await runAnalysis(prepared, client, { onMeasurement: (m) => log(`  ${describe(m)}`) });
      record.stages.push({ weight, ...result });
      verdict = result;
      // The stage's last value of each metric, e.g. STAGE_10_ERROR_RATE=0.2 (for charts of the stages).
      for (const metric of prepared.metrics) {
        const last = result.measurements.filter((m) => m.metric === metric.name).at(-1);
        const value = last?.values[0];
        output(`STAGE_${weight}_${metric.name.toUpperCase().replaceAll('-', '_')}`, Number.isFinite(value) ? Math.round(value * 10_000) / 10_000 : 'NaN');
      }
    } catch (error) {
      if (!(error instanceof AnalysisError)) throw error;
      record.stages.push({ weight, phase: 'Error', reason: error.message });
      verdict = { phase: 'Error', reason: error.message };
    }
    log(`stage ${weight} %: ${verdict.phase} — ${verdict.reason}`);
    if (verdict.phase !== 'Successful') break;
  }
  output('STAGES', record.stages.map((s) => `${s.weight}:${s.phase}`).join(','));
  output('CANARY_PHASE', verdict.phase);
  try {
    if (verdict.phase === 'Successful') {
      output('CANARY_REQUESTS', await promote(version));
      output('CANARY_RESULT', 'promoted');
      return 0;
    }
    const decidedAt = Date.now();
    log(`rolling back: ${verdict.reason}`);
    const answered = await removeCanary();
    output('CANARY_REQUESTS', answered);
    output('DETECTION_SECONDS', seconds(decidedAt - (firstTrafficAt ?? decidedAt)));
    output('ROLLBACK_SECONDS', seconds(Date.now() - decidedAt));
    output('CANARY_RESULT', 'rolled-back');
    return 1;
  } finally {
    if (options.json) writeFileSync(options.json, `${JSON.stringify({ ...record, outputs }, null, 2)}\n`);
  }
}

async function startCanary(version) {
  script('start.sh', '--canary', version);
  const health = spawnSync(process.env.SANDBOX_NODE || process.execPath, [join(bin, 'health.mjs'), '30', '--version', version], {
    stdio: ['ignore', 2, 2],
    env: { ...process.env, SERVICE_PORT: process.env.CANARY_PORT },
  });
  if (health.status !== 0) throw new Error(`the canary ${version} did not answer /health on 127.0.0.1:${process.env.CANARY_PORT}`);
  await setWeight('canary', 0);
  await setState('canary', 'ready');
  await waitUp('canary', 30);
  log(`canary ${version} is up beside stable, weight 0`);
}

async function backTo(version) {
  if (currentVersion() === version) {
    await removeCanary();
    return 0;
  }
  await removeCanary(); // whatever was in the canary slot
  await startCanary(version);
  return blueGreen(version);
}

function currentVersion() {
  try {
    return basename(readlinkSync(join(process.env.SANDBOX_DIR, 'current')));
  } catch {
    return 'none';
  }
}

async function blueGreen(version, options = {}) {
  await preflight(options);
  const started = Date.now();
  await shift(100);
  await waitDrained('stable', 30);
  output('SWITCH_SECONDS', seconds(Date.now() - started));
  await promote(version);
  return 0;
}

function parse(argv) {
  const [verb, ...rest] = argv;
  const options = { positional: [] };
  for (let i = 0; i < rest.length; i++) {
    if (['--stages', '--template', '--prometheus', '--json'].includes(rest[i]) && rest[i + 1] !== undefined) options[rest[i].slice(2)] = rest[++i];
    else if (rest[i] === '--require-traffic') options.requireTraffic = true;
    else if (rest[i].startsWith('--')) throw new AnalysisError(`unknown or incomplete option ${rest[i]}`, 'invalid');
    else options.positional.push(rest[i]);
  }
  const version = options.positional[0];
  if (verb === 'remove' ? version !== undefined : !/^[a-z0-9][a-z0-9._-]*$/.test(version ?? '')) {
    throw new AnalysisError('usage: canary.mjs stages VERSION [--stages 10,50,100] [--template FILE] [--prometheus URL] [--json FILE] [--require-traffic] | blue-green VERSION [--require-traffic] | start VERSION | back-to VERSION | remove', 'invalid');
  }
  return { verb, version, options };
}

async function main() {
  const { verb, version, options } = parse(process.argv.slice(2));
  if (verb === 'stages') return stages(version, options);
  if (verb === 'blue-green') return blueGreen(version, options);
  if (verb === 'start') return startCanary(version).then(() => 0);
  if (verb === 'back-to') return backTo(version);
  if (verb === 'remove') {
    output('CANARY_REQUESTS', await removeCanary());
    return 0;
  }
  throw new AnalysisError(`unknown command ${verb}; use stages, blue-green, start, back-to or remove`, 'invalid');
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof AnalysisError) {
      log(error.message);
      process.exit(EXIT[error.code] ?? 2);
    }
    log(error instanceof LbError ? error.message : error.stack ?? String(error));
    process.exit(error instanceof LbError ? 4 : 1);
  },
);
