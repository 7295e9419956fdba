#!/usr/bin/env node
// The PostgreSQL store (READYBOOK_STORE, issue 19) against the file store, each measured in the same run on a
// throwaway PostgreSQL cluster of its own (a sandbox without the service, torn down at the end):
//   (a) locks: 20 contender processes start at the same instant and each takes the lock of one runbook once;
//       one wins, 19 are refused. Each contender times its own call (for the store: connect, schema check,
//       pg_try_advisory_lock + holder row, pooling check; for the file store: acquireLock). p50/p95 of
//       acquire and of refuse over all rounds, and the ratio pg / file.
//   (a0) the same with one contender alone (what the lock costs without 40 processes starting at once);
//   (b) `readybook runs` (the CLI, default --limit 20) with 10,000 runs in the store (an empty home) vs 10,000 in
//       the home (no store), against `readybook --version` (the CLI's own start) as the baseline.
//   (c) the docs site build (`astro build`, cold: content cache removed) reading 10,000 runs spread over the
//       repository's runbooks from the store (an empty home) vs from the home (no store), against the same
//       build with no runs beyond the committed evidence as the baseline; the three alternate, --site-pairs times.
// Only the ratios are evidence (2 shared, noisy cores), not the absolute times.
// Usage: pnpm bench:store [--quick] [--rounds=10] [--runs=10000] [--site-pairs=1] [--no-site]
//   --quick: 3 rounds and 1,000 runs (a smoke test)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'packages/engine/dist');
// pg is the engine's dependency, not the workspace root's: load it from there.
const loadPg = () => createRequire(join(dist, 'index.js'))('pg');
const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

if (process.argv[2] === '--contender') await contender(...process.argv.slice(3));
else await main();

/** One contender: waits for the common start instant, takes the lock, prints {ok, ms}, holds a winner's lock a moment. */
async function contender(kind, home, url, runbookId, startAt, release) {
  const { acquireLock } = await import(pathToFileURL(join(dist, 'run/lock.js')).href);
  const { StoreLocks } = await import(pathToFileURL(join(dist, 'store/locks.js')).href);
  const { storeConfig } = await import(pathToFileURL(join(dist, 'store/config.js')).href);
  const pg = kind === 'pg' ? loadPg() : undefined; // loaded before the clock starts, as the CLI's chunk is
  void pg;
  const runId = `20261202T000000Z-${runbookId}-${process.pid.toString(16).padStart(6, '0').slice(-6)}`;
  while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 1));
  const started = performance.now();
  let lock;
  let ok = true;
  try {
    if (kind === 'pg') {
      lock = await StoreLocks.acquire(storeConfig({ READYBOOK_STORE: url }), { runId, runbookId, resources: [], operator: 'bench', host: 'bench', pid: process.pid }, { timeoutMs: 10_000, graceMs: 0 });
    } else {
      lock = acquireLock(home, join(home, `${runbookId}.md`), runbookId, runId);
    }
  } catch (error) {
    if (!/RB050/.test(String(error?.code))) throw error;
    ok = false;
  }
  const ms = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ ok, ms })}\n`);
  if (lock) {
    // Held until every other contender has been refused, then released.
    const { existsSync } = await import('node:fs');
    while (!existsSync(release)) await new Promise((r) => setTimeout(r, 5));
    await lock.release();
  }
}

async function main() {
  const quick = process.argv.includes('--quick');
  const ROUNDS = Number(arg('rounds') ?? (quick ? 3 : 10));
  const RUNS = Number(arg('runs') ?? (quick ? 1000 : 10000));
  const CONTENDERS = 20;
  const work = mkdtempSync(join(tmpdir(), 'readybook-bench-store-'));
  const sandbox = join(work, '.sandbox');
  const sh = join(root, 'packages/sandbox/bin/sandbox.sh');
  const env = { ...process.env, NO_COLOR: '1', SANDBOX_LB: 'off' };
  const cleanup = () => {
    spawnSync('bash', [sh, 'down', sandbox], { stdio: 'ignore', env });
    rmSync(work, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
  try {
    const up = spawnSync('bash', [sh, 'up', sandbox], { encoding: 'utf8', env });
    if (up.status !== 0) throw new Error(`sandbox.sh up failed: ${up.stderr}`);
    const port = /PGPORT=(\d+)/.exec(readFileSync(join(sandbox, 'env'), 'utf8'))[1];
    const url = `postgresql://postgres@127.0.0.1:${port}/app`;

    const q = (list, p) => [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor((p / 100) * list.length))];
    const f = (ms) => `${ms.toFixed(1)} ms`;
    // (a0) one contender alone, for what the lock itself costs without 20 processes and 20 backends starting at once.
    const alone = { pg: [], file: [] };
    for (let round = 0; round < ROUNDS * 2; round += 1) {
      const kind = round % 2 === 0 ? 'pg' : 'file';
      const home = join(work, `alone-${round}`);
      mkdirSync(home, { recursive: true });
      const release = join(work, `alone-release-${round}`);
      const [result] = await Promise.all([runContender([kind, home, url, `alone-${round}`, String(Date.now() + 500), release], () => writeFileSync(release, ''))]);
      alone[kind].push(result.ms);
    }
    console.log(`(a0) one contender alone × ${ROUNDS} rounds: acquire pg p50 ${f(q(alone.pg, 50))} | file p50 ${f(q(alone.file, 50))} → ratio ${(q(alone.pg, 50) / q(alone.file, 50)).toFixed(1)}×`);

    // (a) 20 contenders, ROUNDS rounds for each store, the stores alternating round by round.
    const samples = { pg: { acquire: [], refuse: [] }, file: { acquire: [], refuse: [] } };
    for (let round = 0; round < ROUNDS * 2; round += 1) {
      const kind = round % 2 === 0 ? 'pg' : 'file';
      const home = join(work, `home-${round}`);
      mkdirSync(home, { recursive: true });
      const startAt = Date.now() + 1500; // every contender is loaded and waiting by then
      const release = join(work, `release-${round}`);
      let reported = 0;
      const results = await Promise.all(
        Array.from({ length: CONTENDERS }, () =>
          runContender([kind, home, url, `bench-${round}`, String(startAt), release], () => {
            reported += 1;
            if (reported === CONTENDERS) writeFileSync(release, '');
          }),
        ),
      );
      const winners = results.filter((r) => r.ok);
      if (winners.length !== 1) throw new Error(`round ${round} (${kind}): ${winners.length} winners, not 1`);
      samples[kind].acquire.push(winners[0].ms);
      for (const r of results.filter((x) => !x.ok)) samples[kind].refuse.push(r.ms);
    }
    console.log(`(a) ${CONTENDERS} contenders × ${ROUNDS} rounds each (one winner a round; ${samples.pg.refuse.length} refusals per store)`);
    for (const what of ['acquire', 'refuse']) {
      const pg = samples.pg[what];
      const file = samples.file[what];
      console.log(
        `    ${what.padEnd(8)} pg p50 ${f(q(pg, 50))} p95 ${f(q(pg, 95))} | file p50 ${f(q(file, 50))} p95 ${f(q(file, 95))} → ratio p50 ${(q(pg, 50) / q(file, 50)).toFixed(1)}×, p95 ${(q(pg, 95) / q(file, 95)).toFixed(1)}×`,
      );
    }

    // (b) `readybook runs` with RUNS runs: in the home (no store) vs in the store (empty home).
    const seedHome = join(work, 'seed');
    const seedDir = join(work, 'seed-cwd');
    mkdirSync(seedDir, { recursive: true });
    writeFileSync(join(seedDir, 'bench.md'), '---\ntitle: Bench\n---\n\n## One\n```sh run\necho one\n```\n');
    const seeded = spawnSync(process.execPath, [join(root, 'packages/engine/bin/readybook.js'), 'run', 'bench.md'], { cwd: seedDir, env: { ...env, READYBOOK_HOME: seedHome }, encoding: 'utf8' });
    if (seeded.status !== 0) throw new Error(`seed run failed: ${seeded.stderr}`);
    const seedId = readdirSync(join(seedHome, 'runs'))[0];
    const seedReport = readFileSync(join(seedHome, 'runs', seedId, 'report.json'), 'utf8');
    const seedJournal = readFileSync(join(seedHome, 'runs', seedId, 'journal.jsonl'), 'utf8');
    const ids = Array.from({ length: RUNS }, (_, i) => `${new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z-bench-${i.toString(16).padStart(6, '0')}`);
    const fileHome = join(work, 'file-home');
    for (const id of ids) {
      const dir = join(fileHome, 'runs', id);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'journal.jsonl'), seedJournal.split(seedId).join(id));
      writeFileSync(join(dir, 'report.json'), seedReport.split(seedId).join(id));
    }
    const pg = loadPg();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { storeConfig } = await import(pathToFileURL(join(dist, 'store/config.js')).href);
    const { ensureSchema } = await import(pathToFileURL(join(dist, 'store/client.js')).href);
    await ensureSchema(storeConfig({ READYBOOK_STORE: url }), client);
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      await client.query(
        `INSERT INTO readybook_runs (run_id, runbook, status, started_at, operator, host, report)
         SELECT id, 'bench', 'passed', now(), 'bench', 'bench', replace($2, $3, id)::jsonb FROM unnest($1::text[]) AS id`,
        [chunk, seedReport, seedId],
      );
      await client.query(`INSERT INTO readybook_events (run_id, seq, line) SELECT id, 0, replace($2, $3, id) FROM unnest($1::text[]) AS id`, [chunk, seedJournal.split('\n')[0], seedId]);
    }
    await client.query('ANALYZE');
    await client.end();
    const emptyHome = join(work, 'empty-home');
    const cli = (home, extra, args) => timeCli(args, { ...env, READYBOOK_HOME: home, ...extra }, seedDir);
    const best = async (n, fn) => {
      const times = [];
      for (let i = 0; i < n; i += 1) times.push(await fn());
      return times.sort((a, b) => a - b)[Math.floor(n / 2)];
    };
    const n = quick ? 3 : 7;
    const start = await best(n, () => cli(emptyHome, {}, ['--version']));
    const fileRuns = await best(n, () => cli(fileHome, {}, ['runs']));
    const storeRuns = await best(n, () => cli(emptyHome, { READYBOOK_STORE: url }, ['runs']));
    const fileJson = await best(n, () => cli(fileHome, {}, ['runs', '--json', '--limit', '1000']));
    const storeJson = await best(n, () => cli(emptyHome, { READYBOOK_STORE: url }, ['runs', '--json', '--limit', '1000']));
    console.log(`(b) readybook runs with ${RUNS.toLocaleString('en')} runs (medians of ${n}; CLI start, readybook --version: ${f(start)})`);
    console.log(`    runs (20 rows):             file ${f(fileRuns)} | store ${f(storeRuns)} → ratio ${(storeRuns / fileRuns).toFixed(2)}×; over the CLI start: file +${f(fileRuns - start)}, store +${f(storeRuns - start)}`);
    console.log(`    runs --json --limit 1000:   file ${f(fileJson)} | store ${f(storeJson)} → ratio ${(storeJson / fileJson).toFixed(2)}×`);
    if (!process.argv.includes('--no-site')) await siteBuilds({ url, work, env, runs: RUNS, pairs: Number(arg('site-pairs') ?? 1), seedReport: JSON.parse(seedReport), seedJournal, seedId });
    console.log(`\nNode ${process.version}, PostgreSQL on 127.0.0.1 (loopback, fsync=off), ${new Date().toISOString()}${quick ? ' (quick mode)' : ''}`);
  } finally {
    cleanup();
  }
}

/**
 * (c) The docs build reading RUNS runs (spread over the repository's runbooks) from the store vs from the home,
 * against the build with none. Each build is cold and writes to its own temp folder, not apps/docs/dist.
 */
async function siteBuilds({ url, work, env, runs, pairs, seedReport, seedJournal, seedId }) {
  const docs = join(root, 'apps/docs');
  const astro = join(docs, 'node_modules/astro/bin/astro.mjs');
  const runbooks = readdirSync(join(root, 'runbooks')).filter((n) => n.endsWith('.md') && !n.startsWith('_') && n !== 'README.md').map((n) => n.slice(0, -3));
  const ids = Array.from({ length: runs }, (_, i) => {
    const runbook = runbooks[i % runbooks.length];
    return { runbook, id: `${new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z-${runbook}-${i.toString(16).padStart(6, '0')}` };
  });
  const reportOf = ({ runbook, id }, i) =>
    JSON.stringify({ ...seedReport, runId: id, status: i % 10 === 9 ? 'failed' : 'passed', runbook: { ...seedReport.runbook, id: runbook, title: runbook }, outputs: { DURATION_MS: String(1000 + (i % 97)) } });
  const fileHome = join(work, 'site-file-home');
  ids.forEach((run, i) => {
    const dir = join(fileHome, 'runs', run.id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'journal.jsonl'), seedJournal.split(seedId).join(run.id));
    writeFileSync(join(dir, 'report.json'), reportOf(run, i));
  });
  const pg = loadPg();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('TRUNCATE readybook_runs, readybook_events');
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    await client.query(
      `INSERT INTO readybook_runs (run_id, runbook, status, started_at, operator, host, report)
       SELECT id, runbook, report::jsonb->>'status', now(), 'bench', 'bench', report::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, runbook, report)`,
      [chunk.map((r) => r.id), chunk.map((r) => r.runbook), chunk.map((r, j) => reportOf(r, i + j))],
    );
  }
  await client.query('ANALYZE');
  await client.end();
  const emptyHome = join(work, 'site-empty-home');
  mkdirSync(emptyHome, { recursive: true });
  const build = (extra) =>
    new Promise((done, fail) => {
      for (const cache of ['node_modules/.astro', '.astro']) rmSync(join(docs, cache), { recursive: true, force: true });
      const outDir = mkdtempSync(join(work, 'site-out-'));
      const started = performance.now();
      const child = spawn(process.execPath, [astro, 'build', '--outDir', outDir], { cwd: docs, env: { ...env, ASTRO_TELEMETRY_DISABLED: '1', ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
      child.on('close', (code) => {
        const seconds = (performance.now() - started) / 1000;
        // What the first runbook's page says it read (its "N of M runs" note): the build read what it was given.
        let page = '';
        try {
          page = readFileSync(join(outDir, 'runbooks', runbooks[0], 'index.html'), 'utf8');
        } catch {}
        rmSync(outDir, { recursive: true, force: true });
        if (code !== 0) return fail(new Error(`astro build exited ${code}:\n${out.split('\n').slice(-20).join('\n')}`));
        const note = /data-store-runs="(\d+)" data-read="(\d+)"/.exec(page);
        done({ seconds, note: note ? `the ${runbooks[0]} page reads ${note[2]} of its ${note[1]} store runs` : undefined });
      });
    });
  const times = { none: [], file: [], store: [] };
  let storeNote;
  for (let i = 0; i < pairs; i += 1) {
    times.none.push((await build({ READYBOOK_HOME: emptyHome, READYBOOK_STORE: '' })).seconds);
    times.file.push((await build({ READYBOOK_HOME: fileHome, READYBOOK_STORE: '' })).seconds);
    const fromStore = await build({ READYBOOK_HOME: emptyHome, READYBOOK_STORE: url });
    times.store.push(fromStore.seconds);
    storeNote = fromStore.note;
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const [none, file, store] = [med(times.none), med(times.file), med(times.store)];
  console.log(`(c) docs build (cold, ${runbooks.length} runbooks) with ${runs.toLocaleString('en')} runs, ${pairs} build(s) each, medians: no runs ${none.toFixed(1)} s`);
  console.log(`    file store ${file.toFixed(1)} s (${(file / none).toFixed(2)}× the build without runs) | pg store ${store.toFixed(1)} s (${(store / none).toFixed(2)}×) → ratio pg / file ${(store / file).toFixed(2)}×`);
  if (storeNote) console.log(`    (the site reads at most 500 runs a runbook from the store: ${storeNote})`);
  // Leave the docs' content cache as a normal build would: the next `pnpm docs:build` rebuilds it.
  for (const cache of ['node_modules/.astro', '.astro']) rmSync(join(docs, cache), { recursive: true, force: true });
}

/** Runs one contender; `onResult` is told when it has printed its result (a winner then waits for the release file). */
function runContender(args, onResult) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--contender', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => {
      const had = out.includes('\n');
      out += c;
      if (!had && out.includes('\n')) onResult();
    });
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => (code === 0 ? done(JSON.parse(out.trim().split('\n')[0])) : fail(new Error(`contender exited ${code}: ${err}`))));
  });
}

function timeCli(args, env, cwd) {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(root, 'packages/engine/bin/readybook.js'), ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => (code === 0 ? done(performance.now() - started) : fail(new Error(`readybook ${args.join(' ')} exited ${code}: ${err}`))));
  });
}
