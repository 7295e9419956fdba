#!/usr/bin/env node
// backup.mjs [--dir DIR] [--jobs N] [--compress 0-9] — back up $PGDATABASE with a parallel directory-format
// pg_dump (`pg_dump -Fd -j N -Z L`; N default: the CPUs, at most 8; L default 1, the fastest gzip level: ADR 0022) into DIR (default $BACKUP_DIR, else $SANDBOX_DIR/backups)
// as the directory NAME.dump, and write beside it NAME.dump.sha256 (the SHA-256 of every file in the dump,
// names relative to the dump directory, in sha256sum format: `cd NAME.dump && sha256sum -c ../NAME.dump.sha256`)
// and NAME.manifest.json (row counts per table, server version, time, every file's size, total size, checksum).
// The row counts and the dump come from one snapshot (pg_export_snapshot + pg_dump --snapshot; the counts run
// while the dump does), so the dump can be checked against them exactly even while the service keeps writing.
// Read-back: as pg_dump finishes each table's data file (its `-v` "finished item N TABLE DATA" line, which it
// prints once the file is closed), that file is read once, hashed and decompressed to its end-of-data marker,
// and its rows counted, while pg_dump goes on with the other tables. A table whose rows read back differ from
// the snapshot's count, or whose data does not decompress, fails the backup and nothing is left behind. The
// SHA-256 recorded is the one of the bytes that were read back.
// Prints BACKUP_FILE (the dump directory), BACKUP_BYTES (all its files), BACKUP_SHA256 (of the .sha256 file,
// which names the content of every file), BACKUP_MANIFEST, BACKUP_CREATED_EPOCH, BACKUP_JOBS as KEY=value lines.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { pool, readOnce } from './lib/dump-files.mjs';
import { fail, parseArgs, requireEnv } from './lib/env.mjs';

const { options } = parseArgs(process.argv.slice(2));
const { PGDATABASE, SANDBOX_DIR } = requireEnv('PGDATABASE', 'SANDBOX_DIR');
const dir = resolve(options.dir || process.env.BACKUP_DIR || join(SANDBOX_DIR, 'backups'));
const pgDump = process.env.SANDBOX_PGBIN ? join(process.env.SANDBOX_PGBIN, 'pg_dump') : 'pg_dump';
const jobsOption = String(options.jobs ?? process.env.JOBS ?? 'auto');
if (!/^(auto|0|[1-9][0-9]*)$/.test(jobsOption)) fail(`--jobs ${jobsOption} is not a number of jobs; give 1 to 64, or 0 (auto) for one per CPU`, 2);
const compress = String(options.compress ?? process.env.COMPRESS ?? '1');
if (!/^[0-9]$/.test(compress)) fail(`--compress ${compress} is not a gzip level; give 0 (none) to 9 (smallest, slowest)`, 2);
const jobs = jobsOption === 'auto' || Number(jobsOption) === 0 ? Math.min(8, availableParallelism()) : Math.min(64, Number(jobsOption));

const created = new Date();
const stamp = created.toISOString().replace(/[-:]/g, '').replace('.', '');
const file = join(dir, `${PGDATABASE}-${stamp}.dump`);
const partial = `${file}.partial`;
await mkdir(dir, { recursive: true });

// The read-back: each file once (hash, and for table data decompress and count rows), `jobs` at a time.
const readers = pool(jobs);
const dataSuffix = compress === '0' ? '.dat' : '.dat.gz';
const read = {}; // file name → { sha256, rows?, error? }
const tableOfFile = {}; // file name → table
function readBack(name, table) {
  if (name in read) return;
  read[name] = null;
  if (table !== undefined) tableOfFile[name] = table;
  readers.push(async () => {
    read[name] = await readOnce(join(partial, name), table !== undefined);
  });
}

/** pg_dump -v: its errors and warnings go to stderr; each "finished item N TABLE DATA table" starts that file's read-back. */
function dump(args) {
  return new Promise((done, reject) => {
    const child = spawn(pgDump, ['-v', ...args], { stdio: ['ignore', 'inherit', 'pipe'] });
    const last = [];
    createInterface({ input: child.stderr }).on('line', (line) => {
      last.push(line);
      if (last.length > 20) last.shift();
      const finished = /^pg_dump: finished item (\d+) TABLE DATA (.+)$/.exec(line);
      if (finished) readBack(`${finished[1]}${dataSuffix}`, finished[2]);
      else if (/^pg_dump: (error|warning|detail|hint)/.test(line)) console.error(line);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? done() : reject(new Error(`pg_dump exited with ${code}: ${last.filter((l) => /error/.test(l)).join(' ') || last.at(-1)}`))));
  });
}

async function discard(reason) {
  await readers.drained();
  await rm(partial, { recursive: true, force: true }).catch(() => {});
  fail(`backup failed: ${reason}`);
}

const client = new pg.Client();
await client.connect().catch((error) => fail(`cannot connect to ${PGDATABASE}: ${error.message}`));
const tables = {};
let serverVersion;
try {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const { rows: [{ snapshot }] } = await client.query('SELECT pg_export_snapshot() AS snapshot');
  serverVersion = (await client.query('SHOW server_version')).rows[0].server_version;
  const { rows: names } = await client.query(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  // The counts run on this connection, in the exported snapshot, while pg_dump's jobs read the same snapshot.
  const counting = (async () => {
    for (const { table_name: table } of names) {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${client.escapeIdentifier(table)}`);
      tables[table] = rows[0].n;
    }
  })();
  await rm(partial, { recursive: true, force: true });
  const settled = await Promise.allSettled([dump(['-Fd', `--jobs=${jobs}`, `--compress=${compress}`, `--snapshot=${snapshot}`, '-f', partial, PGDATABASE]), counting]);
  for (const { status, reason } of settled) if (status === 'rejected') throw reason;
  await client.query('COMMIT');
} catch (error) {
  await client.end().catch(() => {});
  await discard(error.message);
}
await client.end();

// With one job pg_dump prints no "finished item" lines: the table data is read back now. The table of
// contents (written last) and any other file are hashed.
const { stdout: toc } = await new Promise((done) => {
  const child = spawn(pgDump.replace(/pg_dump$/, 'pg_restore'), ['--list', partial], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.on('close', (code) => done({ code, stdout: out }));
});
for (const line of toc.split('\n')) {
  const m = /^(\d+); \d+ \d+ TABLE DATA (\S+) (\S+) /.exec(line);
  if (m) readBack(`${m[1]}${dataSuffix}`, m[3]);
}
const names = (await readdir(partial)).sort();
for (const name of names) readBack(name);
await readers.drained();

const files = Object.fromEntries(await Promise.all(names.map(async (name) => [name, (await stat(join(partial, name))).size])));
const rowsReadBack = {};
const problems = [];
for (const name of names) {
  const table = tableOfFile[name];
  if (read[name].error) problems.push(`${name}${table ? ` (table ${table})` : ''}: ${read[name].error}`);
  else if (read[name].rows !== undefined) rowsReadBack[table] = read[name].rows;
}
for (const [table, n] of Object.entries(tables)) {
  if (rowsReadBack[table] !== n) problems.push(`table ${table}: ${rowsReadBack[table] ?? 'no'} rows read back from the dump, ${n} in the snapshot`);
}
if (problems.length > 0) await discard(`the dump does not read back: ${problems.join('; ')}`);

await rename(partial, file);
const checksums = names.map((name) => `${read[name].sha256}  ${name}\n`).join('');
const digest = createHash('sha256').update(checksums).digest('hex');
const size = Object.values(files).reduce((sum, bytes) => sum + bytes, 0);
const manifestPath = file.replace(/\.dump$/, '.manifest.json');
const manifest = {
  file: basename(file),
  database: PGDATABASE,
  format: 'directory',
  tool: `pg_dump -Fd --jobs=${jobs} --compress=${compress}`,
  createdAt: created.toISOString(),
  createdEpoch: created.getTime() / 1_000,
  serverVersion,
  bytes: size,
  sha256: digest,
  files,
  tables,
  rowsReadBack,
};
await writeFile(`${file}.sha256`, checksums);
await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
const rowsTotal = Object.values(rowsReadBack).reduce((sum, n) => sum + n, 0);
console.error(
  `sandbox: backed up ${PGDATABASE} to ${file} (${size} bytes in ${names.length} files, ${jobs} jobs, gzip level ${compress}; ` +
    `${Object.entries(tables).map(([t, n]) => `${t}: ${n}`).join(', ') || 'no tables'}; read back: ${rowsTotal} rows)`,
);
console.log(`BACKUP_FILE=${file}`);
console.log(`BACKUP_BYTES=${size}`);
console.log(`BACKUP_SHA256=${digest}`);
console.log(`BACKUP_MANIFEST=${manifestPath}`);
console.log(`BACKUP_CREATED_EPOCH=${manifest.createdEpoch}`);
console.log(`BACKUP_JOBS=${jobs}`);
