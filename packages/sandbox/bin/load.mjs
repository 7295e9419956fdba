#!/usr/bin/env node
// load.mjs — HTTP load with autocannon (programmatic API), every request's latency recorded here.
//
//   load.mjs [--url http://127.0.0.1:PORT/items] [--connections 10] [--rate 200] [--duration 10]
//            [--amount N] [--timeout 10] [--json FILE] [--prefix P]
//
// Loopback only: the URL's host must be 127.0.0.1, ::1 or localhost. Bounded: it stops after --duration
// seconds (at most 600) or --amount requests, whichever comes first, and on SIGTERM/SIGINT — then it
// reports what it measured and exits 0. --rate caps requests per second over all connections (0: no cap).
// The default URL is HAProxy's frontend ($PROXY_PORT) and path /items.
//
// Output (stdout, KEY=value lines, each key prefixed with --prefix): REQUESTS (answered + failed),
// FAILED_REQUESTS (HTTP status ≥ 400, connection errors and timeouts), ERROR_RATE (FAILED_REQUESTS /
// REQUESTS), P50_MS P95_MS P99_MS MAX_MS (nearest rank over every answered request's latency, whatever its
// status), RPS (REQUESTS / seconds the load ran), DURATION_SECONDS, CONNECTIONS. A summary goes to stderr;
// --json FILE also writes the status counts, the errors by kind and the times of the first and last failure.
// Exit 0 measured, 1 no request was answered at all (nothing to measure), 2 usage, 3 autocannon missing.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { summarize } from './lib/stats.mjs';
import { parseArgs } from './lib/env.mjs';

const { options } = parseArgs(process.argv.slice(2));
const usage = (message) => {
  console.error(`load: ${message}`);
  process.exit(2);
};
const number = (name, fallback, min, max) => {
  const value = options[name] === undefined ? fallback : Number(options[name]);
  if (!Number.isFinite(value) || value < min || value > max) usage(`--${name} must be a number from ${min} to ${max}, got ${options[name]}`);
  return value;
};
const url = new URL(options.url ?? `http://127.0.0.1:${process.env.PROXY_PORT ?? usage('no --url and no PROXY_PORT (source the sandbox env)')}/items`);
if (!['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)) usage(`loopback only: ${url.hostname} is not 127.0.0.1, ::1 or localhost`);
const connections = number('connections', 10, 1, 1000);
const rate = number('rate', 0, 0, 100_000);
const duration = number('duration', 10, 0.1, 600);
const amount = number('amount', 0, 0, 10_000_000);
const timeout = number('timeout', 10, 0.1, 120);
const prefix = options.prefix ?? '';

let autocannon;
try {
  autocannon = createRequire(import.meta.url)('autocannon');
} catch (error) {
  console.error(`load: cannot load autocannon (${error.code ?? error.message}); run pnpm install at the repository root`);
  process.exit(3);
}

const latencies = [];
const statuses = {};
const errorKinds = {};
let failed = 0;
let firstFailureAt = null;
let lastFailureAt = null;
const failure = () => {
  failed++;
  lastFailureAt = Date.now();
  firstFailureAt ??= lastFailureAt;
};

const started = Date.now();
const instance = autocannon(
  {
    url: url.href,
    connections: amount > 0 ? Math.min(connections, amount) : connections,
    overallRate: rate > 0 ? rate : undefined,
    amount: amount > 0 ? amount : undefined,
    duration,
    timeout,
  },
  (error, result) => finish(error, result),
);
// Every answered request: its status and latency (ms, as autocannon's client measured it).
instance.on('response', (_client, statusCode, _bytes, responseTime) => {
  latencies.push(responseTime);
  statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  if (statusCode >= 400) failure();
});
// A connection error or a timeout: a request that got no answer.
instance.on('reqError', (error) => {
  const kind = error.code ?? error.message;
  errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  failure();
});
const bound = setTimeout(() => instance.stop(), duration * 1_000);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => instance.stop());

function finish(error, result) {
  clearTimeout(bound);
  if (error) {
    console.error(`load: autocannon failed: ${error.message}`);
    process.exit(1);
  }
  const seconds = (Date.now() - started) / 1_000;
  const requests = latencies.length + Object.values(errorKinds).reduce((a, b) => a + b, 0);
  const ms = summarize(latencies);
  const round = (value, digits = 2) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : 'NaN');
  const outputs = {
    REQUESTS: requests,
    FAILED_REQUESTS: failed,
    ERROR_RATE: requests ? round(failed / requests, 4) : 'NaN',
    P50_MS: round(ms.p50),
    P95_MS: round(ms.p95),
    P99_MS: round(ms.p99),
    MAX_MS: round(ms.max),
    RPS: round(requests / seconds, 1),
    DURATION_SECONDS: round(seconds),
    CONNECTIONS: connections,
  };
  for (const [key, value] of Object.entries(outputs)) console.log(`${prefix}${key}=${value}`);
  console.error(
    `load: ${requests} requests to ${url.href} in ${seconds.toFixed(1)}s over ${connections} connections${rate ? ` (cap ${rate}/s)` : ''}: ` +
      `${failed} failed, p50 ${outputs.P50_MS} ms, p95 ${outputs.P95_MS} ms, p99 ${outputs.P99_MS} ms; statuses ${JSON.stringify(statuses)}` +
      (Object.keys(errorKinds).length ? `, errors ${JSON.stringify(errorKinds)}` : ''),
  );
  if (options.json) {
    const summary = { url: url.href, connections, rate, startedAt: started, ...outputs, statuses, errors: errorKinds, firstFailureAt, lastFailureAt, autocannon: { p90: result.latency.p90, p99: result.latency.p99 } };
    writeFileSync(options.json, `${JSON.stringify(summary, null, 2)}\n`);
  }
  if (latencies.length === 0) {
    console.error(`load: no request to ${url.href} was answered (${JSON.stringify(errorKinds)}); is the service up behind it?`);
    process.exit(1);
  }
  process.exit(0);
}
