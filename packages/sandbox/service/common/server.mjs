// The demo service: a small HTTP API over PostgreSQL. Every release ships this file, its own
// queries.mjs and migrate.sql, and a release.json written by build-release.sh.
// Node 20 compatible: node:http and pg only. Connection settings come from PGHOST/PGPORT/PGUSER/PGDATABASE.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import pg from 'pg';
import { addItem, listItems } from './queries.mjs';

const release = JSON.parse(readFileSync(new URL('./release.json', import.meta.url), 'utf8'));
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

const server = createServer(async (req, res) => {
  const route = routes[`${req.method} ${new URL(req.url, 'http://localhost').pathname}`];
  if (!route) return send(res, 404, { error: 'not found' });
  try {
    const [status, body] = await route(req);
    send(res, status, body);
  } catch (error) {
    const status = error.status ?? (req.url.startsWith('/health') ? 503 : 500);
    log(`${req.method} ${req.url} -> ${status}: ${error.message}`);
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
