// The sandbox's HAProxy: its configuration (written from the sandbox env and lb/servers.json) and a client
// for its runtime API (the admin socket, one command per connection). Node 20 compatible, no dependencies.
//
// Runtime changes (`set weight`, `set server … state`) are lost when HAProxy restarts, so every change made
// through setWeight/setState is also written to lb/servers.json and the configuration is rewritten from it:
// a restarted HAProxy comes back with the weights it had.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

export const BACKEND = 'app';
export const SERVERS = ['stable', 'canary'];
/** Health checks: every 500 ms; 3 failures mark a server DOWN, 2 successes UP again. */
export const CHECK = { inter: '500ms', fall: 3, rise: 2 };
const DEFAULT_STATE = { stable: { weight: 100, state: 'ready' }, canary: { weight: 0, state: 'maint' } };

export class LbError extends Error {}

function requireEnv(env, ...names) {
  const missing = names.filter((name) => !env[name]);
  if (missing.length > 0) throw new LbError(`${missing.join(', ')} not set: source the sandbox env (. .sandbox/env) of a sandbox started with HAProxy`);
}

export function lbDir(env = process.env) {
  requireEnv(env, 'SANDBOX_DIR');
  return join(env.SANDBOX_DIR, 'lb');
}

export function readState(env = process.env) {
  const file = join(lbDir(env), 'servers.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : structuredClone(DEFAULT_STATE);
}

/** The HAProxy configuration for the sandbox, with the weights and states of `state`. */
export function renderConfig(env, state) {
  requireEnv(env, 'PROXY_PORT', 'LB_STATS_PORT', 'LB_SOCKET', 'SERVICE_PORT', 'CANARY_PORT');
  const port = { stable: env.SERVICE_PORT, canary: env.CANARY_PORT };
  const servers = SERVERS.map((name) => {
    const { weight, state: admin } = state[name];
    // `disabled` starts a server in maintenance; a draining server keeps weight 0 (HAProxy's drain is weight 0).
    return `  server ${name} 127.0.0.1:${port[name]} weight ${weight} check${admin === 'maint' ? ' disabled' : ''}`;
  });
  return `# Written by packages/sandbox/bin/lib/haproxy.mjs from lb/servers.json; runtime changes are kept in step here.
global
  stats socket ${env.LB_SOCKET} mode 600 level admin
  stats timeout 30s
  maxconn 4000

defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout http-request 10s
  timeout http-keep-alive 5s
  # A request whose connection to a server fails, or that gets no answer at all, is sent to another server:
  # a server going away during a switch costs clients nothing. HTTP 5xx answers are NOT retried.
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response

frontend web
  bind 127.0.0.1:${env.PROXY_PORT}
  default_backend ${BACKEND}

backend ${BACKEND}
  balance roundrobin
  option httpchk GET /health
  http-check expect status 200
  default-server inter ${CHECK.inter} fall ${CHECK.fall} rise ${CHECK.rise}
${servers.join('\n')}

frontend stats
  bind 127.0.0.1:${env.LB_STATS_PORT}
  http-request use-service prometheus-exporter if { path /metrics }
  stats enable
  stats uri /stats
`;
}

/** Writes lb/servers.json and lb/haproxy.cfg (atomically), and checks the configuration with `haproxy -c`. */
export function writeConfig(env, state) {
  const dir = lbDir(env);
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(`${cfg}.new`, renderConfig(env, state));
  try {
    execFileSync(env.SANDBOX_HAPROXY || 'haproxy', ['-c', '-q', '-f', `${cfg}.new`], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new LbError(`the generated HAProxy configuration is invalid: ${String(error.stderr ?? error.message).trim()}`);
  }
  renameSync(`${cfg}.new`, cfg);
  writeFileSync(join(dir, 'servers.json.new'), `${JSON.stringify(state, null, 2)}\n`);
  renameSync(join(dir, 'servers.json.new'), join(dir, 'servers.json'));
  return cfg;
}

/** Sends one command to the runtime API socket and resolves to its answer. */
export function command(socket, line, timeoutMs = 5_000) {
  return new Promise((resolve, reject) => {
    let answer = '';
    const conn = connect(socket);
    conn.setTimeout(timeoutMs, () => {
      conn.destroy();
      reject(new LbError(`HAProxy's runtime API at ${socket} did not answer "${line}" within ${timeoutMs} ms`));
    });
    conn.on('connect', () => conn.write(`${line}\n`));
    conn.on('data', (chunk) => (answer += chunk));
    conn.on('end', () => resolve(answer));
    conn.on('error', (error) =>
      reject(new LbError(`cannot reach HAProxy's runtime API at ${socket} (${error.code ?? error.message}); is the sandbox up with HAProxy? (packages/sandbox/bin/sandbox.sh up)`)),
    );
  });
}

function socketOf(env) {
  requireEnv(env, 'LB_SOCKET');
  return env.LB_SOCKET;
}

/** A command whose answer must be empty (HAProxy answers errors in text). */
async function change(env, line) {
  const answer = (await command(socketOf(env), line)).trim();
  if (answer !== '') throw new LbError(`HAProxy refused "${line}": ${answer}`);
}

function checkServer(server) {
  if (!SERVERS.includes(server)) throw new LbError(`unknown server "${server}"; the backend ${BACKEND} has: ${SERVERS.join(', ')}`);
}

/** `get weight app/SERVER`: the current weight (HAProxy answers "10 (initial 100)"). */
export async function getWeight(server, env = process.env) {
  checkServer(server);
  const answer = (await command(socketOf(env), `get weight ${BACKEND}/${server}`)).trim();
  const match = /^(\d+) \(initial (\d+)\)$/.exec(answer);
  if (!match) throw new LbError(`unexpected answer to "get weight ${BACKEND}/${server}": ${answer}`);
  return Number(match[1]);
}

/** `set weight app/SERVER N`, read back with `get weight`, and kept in the configuration. */
export async function setWeight(server, weight, env = process.env) {
  checkServer(server);
  if (!Number.isInteger(weight) || weight < 0 || weight > 256) throw new LbError(`a weight is an integer from 0 to 256, got ${weight}`);
  await change(env, `set weight ${BACKEND}/${server} ${weight}`);
  const now = await getWeight(server, env);
  if (now !== weight) throw new LbError(`set weight ${BACKEND}/${server} ${weight} did not hold: get weight answers ${now}`);
  const state = readState(env);
  state[server].weight = weight;
  writeConfig(env, state);
  return now;
}

/** `set server app/SERVER state ready|drain|maint`, kept in the configuration. */
export async function setState(server, admin, env = process.env) {
  checkServer(server);
  if (!['ready', 'drain', 'maint'].includes(admin)) throw new LbError(`a server state is ready, drain or maint, got ${admin}`);
  await change(env, `set server ${BACKEND}/${server} state ${admin}`);
  const state = readState(env);
  state[server].state = admin;
  writeConfig(env, state);
}

/** `show stat` for the backend's servers: { name: { status, weight, scur, stot, checkStatus, … } }. */
export async function servers(env = process.env) {
  const answer = await command(socketOf(env), 'show stat');
  const [header, ...rows] = answer.trim().split('\n');
  if (!header?.startsWith('# ')) throw new LbError(`unexpected answer to "show stat": ${answer.slice(0, 200)}`);
  const fields = header.slice(2).split(',');
  const result = {};
  for (const row of rows) {
    const values = row.split(',');
    const record = Object.fromEntries(fields.map((field, i) => [field, values[i]]));
    if (record.pxname !== BACKEND || !SERVERS.includes(record.svname)) continue;
    result[record.svname] = {
      status: record.status,
      weight: Number(record.weight),
      scur: Number(record.scur),
      stot: Number(record.stot),
      checkStatus: record.check_status,
      failedChecks: Number(record.chkfail),
    };
  }
  return result;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until SERVER passes its health checks (status UP or DRAIN). */
export async function waitUp(server, seconds = 30, env = process.env) {
  checkServer(server);
  const deadline = Date.now() + seconds * 1_000;
  let status = '?';
  while (Date.now() < deadline) {
    status = (await servers(env))[server]?.status ?? '?';
    if (status === 'UP' || status === 'DRAIN') return;
    await sleep(100);
  }
  throw new LbError(`HAProxy's health checks did not mark ${server} UP within ${seconds}s (status ${status})`);
}

/** Waits until SERVER has no session open (every request it had in flight has been answered). */
export async function waitDrained(server, seconds = 30, env = process.env) {
  checkServer(server);
  const deadline = Date.now() + seconds * 1_000;
  let scur = -1;
  while (Date.now() < deadline) {
    scur = (await servers(env))[server]?.scur ?? -1;
    if (scur === 0) return;
    await sleep(50);
  }
  throw new LbError(`${server} still had ${scur} sessions after ${seconds}s`);
}

/** Requests HAProxy sent to the backend's servers during the next `ms` milliseconds (from their stot counters). */
export async function trafficOver(ms, env = process.env) {
  const total = (state) => Object.values(state).reduce((sum, server) => sum + server.stot, 0);
  const before = total(await servers(env));
  await sleep(ms);
  return total(await servers(env)) - before;
}
