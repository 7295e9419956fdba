// The demo service: a small HTTP API over PostgreSQL. Every release ships this file, its own
// queries.mjs and migrate.sql, and a release.json written by build-release.sh.
// Node 20 compatible: node:http, pg and prom-client. Connection settings come from PGHOST/PGPORT/PGUSER/PGDATABASE.
// GET /metrics answers in the Prometheus text format (prom-client): requests by route, method and status,
// and a latency histogram, every series labelled with the release that served it.
// A release may ship a faults.json (the `bad` and `slow` releases do): {"errorEvery": N, "delayMs": M,
// "routes": ["GET /items"]} makes every Nth request to those routes answer 500, or each take M ms longer.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import pg from 'pg';
import client from 'prom-client';
import { addItem, listItems } from './queries.mjs';

const release = JSON.parse(readFileSync(new URL('./release.json', import.meta.url), 'utf8'));
const faultsFile = new URL('./faults.json', import.meta.url);
const faults = existsSync(faultsFile) ? JSON.parse(readFileSync(faultsFile, 'utf8')) : null;
let faultCounter = 0;
const port = Number(process.env.SERVICE_PORT ?? 8080);
const pool = new pg.Pool({ max: 5, connectionTimeoutMillis: 2_000, idleTimeoutMillis: 10_000 });
// A dropped or restarted database kills idle connections; the pool replaces them on the next query.
pool.on('error', (error) => log(`idle database connection lost: ${error.message}`));

function log(message) {
  console.log(`${new Date().toISOString()} [${release.version}] ${message}`);
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req) {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 64 * 1024) throw Object.assign(new Error('body too large'), { status: 413 });
  }
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    throw Object.assign(new Error('body is not valid JSON'), { status: 400 });
  }
}

const routes = {
  'GET /health': async () => {
    await pool.query('SELECT 1');
    return [200, { status: 'ok', version: release.version }];
  },
  'GET /version': async () => [200, { version: release.version, builtAt: release.builtAt, node: process.version }],
  'GET /items': async () => [200, { items: await listItems(pool) }],
  'POST /items': async (req) => {
    const body = await readJson(req);
    if (typeof body.name !== 'string' || body.name.trim() === '' || body.name.length > 200) {
      return [400, { error: 'name must be a non-empty string of at most 200 characters' }];
    }
    return [201, await addItem(pool, body)];
  },
};

const registry = new client.Registry();
registry.setDefaultLabels({ release: release.version });
client.collectDefaultMetrics({ register: registry });
const requestsTotal = new client.Counter({
  name: 'http_requests_total',
  help: 'HTTP requests served, by route (method and path; "other" for unknown paths) and status code.',
  labelNames: ['route', 'status'],
  registers: [registry],
});
const requestDuration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time from request to the end of the response, by route and status code.',
  labelNames: ['route', 'status'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5],
  registers: [registry],
});

/** Applies faults.json to a request of `key`: a delay, and whether this one must fail. */
async function injectFault(key) {
  if (!faults || !(faults.routes ?? ['GET /items']).includes(key)) return false;
  if (faults.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.delayMs));
  return faults.errorEvery > 0 && ++faultCounter % faults.errorEvery === 0;
}

const server = createServer(async (req, res) => {
  const key = `${req.method} ${new URL(req.url, 'http://localhost').pathname}`;
  if (key === 'GET /metrics') {
    res.writeHead(200, { 'content-type': registry.contentType });
    return res.end(await registry.metrics());
  }
  const route = routes[key];
  const label = route ? key : 'other';
  const endTimer = requestDuration.startTimer({ route: label });
  res.on('finish', () => {
    const status = String(res.statusCode);
    requestsTotal.inc({ route: label, status });
    endTimer({ status });
  });
  if (!route) return send(res, 404, { error: 'not found' });
  try {
    if (await injectFault(key)) throw new Error(`injected fault (release ${release.version}, faults.json)`);
    const [status, body] = await route(req);
    send(res, status, body);
  } catch (error) {
    const status = error.status ?? (req.url.startsWith('/health') ? 503 : 500);
    if (!error.message.startsWith('injected fault')) log(`${req.method} ${req.url} -> ${status}: ${error.message}`);
    send(res, status, { error: error.message, version: release.version });
  }
});

function shutdown(signal) {
  log(`${signal}: shutting down`);
  server.close(() => pool.end().finally(() => process.exit(0)));
  setTimeout(() => process.exit(0), 5_000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

server.on('error', (error) => {
  log(`cannot listen on 127.0.0.1:${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => log(`listening on 127.0.0.1:${port} (node ${process.version})`));
