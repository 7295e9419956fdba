#!/usr/bin/env node
// The recovery runbooks at realistic size (issue 16), each against a bare baseline measured in the same run,
// on a throwaway PostgreSQL cluster of its own (a sandbox without the service, torn down at the end):
//   backup:  `readybook run backup` (dump, checksum, read-back, retention) vs bare single-job `pg_dump -Fc`
//   restore: `readybook run restore` (verify, scratch restore, row counts, swap) vs bare single-job
//            `pg_restore` of the bare dump into a fresh, empty database
// For each size it generates a database with generate_series (a wide table with text and three indexes, a
// narrow event table, a table of incompressible bytea), VACUUM (FREEZE, ANALYZE)s it, then runs A/B pairs
// whose order alternates (ABBA…) so a drift of the machine's load falls on both sides. It prints the median
// and min–max of each side, the ratio of the medians, and at the end how each grows from the smallest size
// to the largest. Only the ratios are evidence (2 shared, noisy cores), not the absolute times.
// Usage: pnpm bench:recovery [--quick] [--sizes=100,1024] [--pairs=3]
//   --sizes: database sizes in MiB (default 100 and 1024); --quick: one 48 MiB database, 2 pairs (CI smoke)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages/sandbox/bin');
const cli = join(root, 'packages/engine/bin/readybook.js');
const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = process.argv.includes('--quick');
const SIZES = (arg('sizes') ?? (quick ? '48' : '100,1024')).split(',').map(Number);
const PAIRS = Number(arg('pairs') ?? (quick ? 2 : 3));
if (SIZES.some((s) => !(s >= 8 && s <= 4096)) || !(PAIRS >= 1 && PAIRS <= 20)) {
  console.error('bench/recovery.mjs: --sizes takes MiB between 8 and 4096 (e.g. --sizes=100,1024), --pairs 1 to 20');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'readybook-bench-recovery-'));
const dir = join(work, '.sandbox');
const backups = join(work, 'backups');
const bare = join(work, 'bare');
const env = { ...process.env, NO_COLOR: '1', SANDBOX_LB: 'off', READYBOOK_HOME: join(work, 'home') };
let current; // the child running now, stopped on Ctrl-C

let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  if (current && current.exitCode === null) {
    try {
      process.kill(-current.pid, 'SIGTERM');
    } catch {}
  }
  spawnSync('bash', [join(bin, 'sandbox.sh'), 'down', dir], { stdio: 'ignore', env });
  rmSync(work, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\nbench/recovery.mjs: ${signal}: stopping the cluster and removing ${work}`);
    cleanup();
    process.exit(130);
  });
}

function sh(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', env, ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return result.stdout;
}
const psql = (sql, db = 'postgres') => sh(join(env.SANDBOX_PGBIN, 'psql'), ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql]).trim();

/** Runs a command in its own process group; resolves to wall-clock ms. Fails with the tail of its output. */
function timed(command, args) {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    current = child;
    let output = '';
    const keep = (chunk) => (output = (output + chunk).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', fail);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      current = undefined;
      if (code !== 0) fail(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`));
      else done(ms);
    });
  });
}

const runbook = (name, params) =>
  timed(process.execPath, [cli, 'run', join(root, 'runbooks', `${name}.md`), '--yes', ...Object.entries({ SANDBOX: dir, BACKUP_DIR: backups, ...params }).flatMap(([k, v]) => ['--param', `${k}=${v}`])]);

// ~bytes each row adds to pg_database_size (heap + TOAST + indexes), measured on PostgreSQL 15; the
// database comes out within a few per cent of the size asked for, and the size printed is the measured one.
const SHARE = { orders: 0.55, events: 0.25, attachments: 0.2 };
const ROW_BYTES = { orders: 223, events: 92, attachments: 578 };

function generate(mib) {
  const rows = Object.fromEntries(Object.entries(SHARE).map(([t, share]) => [t, Math.round((mib * 2 ** 20 * share) / ROW_BYTES[t])]));
  // A fresh `app`: drop whatever earlier sizes and restores left.
  for (const db of psql("SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')").split('\n').filter(Boolean)) {
    sh(join(env.SANDBOX_PGBIN, 'dropdb'), ['--force', db]);
  }
  sh(join(env.SANDBOX_PGBIN, 'createdb'), ['app']);
  const sql = `
CREATE TABLE orders (
  id bigint PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, email text NOT NULL,
  note text, amount numeric(10,2) NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE events (order_id bigint NOT NULL, kind smallint NOT NULL, at timestamptz NOT NULL, value double precision);
CREATE TABLE attachments (id int PRIMARY KEY, order_id bigint NOT NULL, name text NOT NULL, body bytea NOT NULL);
INSERT INTO orders
  SELECT i, (i * 7919) % 50000, (ARRAY['new','paid','shipped','delivered','refunded'])[1 + i % 5],
         'customer' || ((i * 7919) % 50000) || '@example.test',
         'order ' || i || ' ' || (ARRAY['express','standard','pickup','gift wrapped','fragile, handle with care'])[1 + i % 5]
           || ' ref ' || md5(i::text) || CASE WHEN i % 3 = 0 THEN ' ' || md5((i * 31)::text) ELSE '' END,
         ((i * 104729) % 100000) / 100.0, timestamptz '2026-01-01' + i * interval '7 seconds'
  FROM generate_series(1::bigint, ${rows.orders}) i;
INSERT INTO events
  SELECT 1 + (i * 48271) % ${rows.orders}, (i % 12)::smallint, timestamptz '2026-01-01' + i * interval '2 seconds', (i % 1000) * 0.37
  FROM generate_series(1::bigint, ${rows.events}) i;
INSERT INTO attachments
  SELECT i, 1 + (i * 16807) % ${rows.orders}, 'scan-' || i || '.bin',
         decode(md5(i || 'a') || md5(i || 'b') || md5(i || 'c') || md5(i || 'd') || md5(i || 'e') || md5(i || 'f')
             || md5(i || 'g') || md5(i || 'h') || md5(i || 'i') || md5(i || 'j') || md5(i || 'k') || md5(i || 'l'), 'hex')
           || decode(repeat('00ff', (96 + i % 64)::int), 'hex')
  FROM generate_series(1::bigint, ${rows.attachments}) i;
CREATE INDEX orders_customer ON orders (customer_id);
CREATE INDEX orders_created ON orders (created_at);
CREATE INDEX events_order ON events (order_id, at);
CREATE INDEX attachments_order ON attachments (order_id);
`;
  sh(join(env.SANDBOX_PGBIN, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'app'], { input: sql });
  psql('VACUUM (FREEZE, ANALYZE)', 'app');
  psql('CHECKPOINT');
  const sizes = Object.fromEntries(Object.keys(SHARE).map((t) => [t, Number(psql(`SELECT pg_total_relation_size('${t}')`, 'app'))]));
  return { rows, sizes, bytes: Number(psql("SELECT pg_database_size('app')")) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;
const span = (xs) => `${sec(Math.min(...xs))}–${sec(Math.max(...xs))}`;
const MiB = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;

/** PAIRS A/B pairs, the order alternating (A B, B A, A B, …); before() of each side runs untimed. */
async function pairs(a, b) {
  const times = { a: [], b: [] };
  for (let i = 0; i < PAIRS; i += 1) {
    for (const side of i % 2 === 0 ? ['a', 'b'] : ['b', 'a']) {
      const { before, run } = side === 'a' ? a : b;
      await before?.();
      times[side].push(await run());
    }
  }
  return times;
}

const results = [];
try {
  sh('bash', [join(bin, 'sandbox.sh'), 'up', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  for (const line of readFileSync(join(dir, 'env'), 'utf8').split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  }
  env.PGOPTIONS = '-c client_min_messages=warning';
  const pgDump = join(env.SANDBOX_PGBIN, 'pg_dump');
  const pgRestore = join(env.SANDBOX_PGBIN, 'pg_restore');
  const version = psql('SHOW server_version');
  console.log(`recovery benchmark: PostgreSQL ${version}, ${PAIRS} A/B pairs per size, sizes ${SIZES.map((s) => `${s} MiB`).join(', ')}, ${work}`);

  for (const mib of SIZES) {
    const t0 = performance.now();
    const db = generate(mib);
    console.log(`\n${mib} MiB asked: database ${MiB(db.bytes)} (${Object.entries(db.sizes).map(([t, b]) => `${t} ${MiB(b)}, ${db.rows[t]} rows`).join('; ')}), generated in ${sec(performance.now() - t0)}`);
    rmSync(backups, { recursive: true, force: true });
    rmSync(bare, { recursive: true, force: true });
    mkdirSync(bare, { recursive: true });
    const bareDump = join(bare, 'app.dump');

    const backup = await pairs(
      { run: () => runbook('backup', { KEEP: 1 }) },
      { before: () => rmSync(bareDump, { force: true }), run: () => timed(pgDump, ['-Fc', '-f', bareDump, 'app']) },
    );
    const dumpBytes = Number(sh('du', ['-sb', bareDump]).split('\t')[0]);
    const latest = sh('find', [backups, '-maxdepth', '1', '-name', '*.dump']).trim().split('\n').sort().at(-1);
    const backupBytes = Number(sh('du', ['-sb', latest]).split('\t')[0]);

    // The restore runbook swaps its restore in as `app` each time (the replaced one is kept aside and
    // dropped by the next run); the bare side restores into a fresh database dropped after it.
    const restore = await pairs(
      { run: () => runbook('restore', { BACKUP: latest }) },
      {
        before: () => {
          sh(join(env.SANDBOX_PGBIN, 'dropdb'), ['--if-exists', '--force', 'bare_restore']);
          sh(join(env.SANDBOX_PGBIN, 'createdb'), ['bare_restore']);
        },
        run: () => timed(pgRestore, ['--no-owner', '--exit-on-error', '-d', 'bare_restore', bareDump]),
      },
    );
    sh(join(env.SANDBOX_PGBIN, 'dropdb'), ['--if-exists', '--force', 'bare_restore']);
    const counts = psql("SELECT (SELECT count(*) FROM orders) || ' ' || (SELECT count(*) FROM events) || ' ' || (SELECT count(*) FROM attachments)", 'app');
    if (counts !== `${db.rows.orders} ${db.rows.events} ${db.rows.attachments}`) throw new Error(`after the restores the live database has ${counts} rows, not ${Object.values(db.rows).join(' ')}`);

    const row = { mib, bytes: db.bytes, dumpBytes, backupBytes, backup, restore };
    results.push(row);
    for (const [name, t, target, base] of [
      ['backup ', backup, 1.05, 'pg_dump -Fc'],
      ['restore', restore, 1.1, 'pg_restore'],
    ]) {
      const ratio = median(t.a) / median(t.b);
      const perPair = median(t.a.map((a, i) => a / t.b[i]));
      console.log(
        `  ${name}  runbook ${sec(median(t.a))} (${span(t.a)})  bare ${base} ${sec(median(t.b))} (${span(t.b)})  ` +
          `ratio ${ratio.toFixed(3)}× (per-pair median ${perPair.toFixed(3)}×; target ≤ ${target}×) ${ratio <= target ? 'met' : 'MISSED'}`,
      );
    }
    console.log(`  artefacts: runbook backup ${MiB(backupBytes)}, bare pg_dump -Fc ${MiB(dumpBytes)} (${((backupBytes / dumpBytes - 1) * 100).toFixed(1)}% larger)`);
    if (mib < 512) console.log('  (the targets are for a database of about 1 GiB; at this size the runbooks\' fixed cost — engine, checks, swap — weighs more)');
  }

  if (results.length > 1) {
    const [small, large] = [results[0], results.at(-1)];
    console.log(`\ngrowth from ${small.mib} MiB to ${large.mib} MiB (database ${(large.bytes / small.bytes).toFixed(1)}× larger):`);
    for (const name of ['backup', 'restore']) {
      const [s, l] = [small[name], large[name]];
      console.log(
        `  ${name.padEnd(7)}  runbook ${(median(l.a) / median(s.a)).toFixed(1)}× longer, bare ${(median(l.b) / median(s.b)).toFixed(1)}× longer; ` +
          `ratio ${(median(s.a) / median(s.b)).toFixed(3)}× → ${(median(l.a) / median(l.b)).toFixed(3)}×`,
      );
    }
  }
} catch (error) {
  console.error(`bench/recovery.mjs: ${error.message}`);
  process.exitCode = 1;
} finally {
  cleanup();
}
