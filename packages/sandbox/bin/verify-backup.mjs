#!/usr/bin/env node
// verify-backup.mjs BACKUP [--check read-back|checksums] [--jobs N] — check a backup before anyone trusts it.
// For a directory backup (backup.mjs, `pg_dump -Fd`):
//   checksums  every file the manifest lists is there at its size (a truncated or missing file), no file was
//              added, every file's SHA-256 matches NAME.dump.sha256 (any changed byte), pg_restore can read
//              the table of contents, which has the data of every table the manifest counted, and the rows
//              backup.mjs read back from those very bytes when it made them equal the snapshot's counts;
//   read-back  (the default) also decompresses every table's data file to its end and counts its rows, which
//              must equal the row counts the manifest took in the dump's own snapshot: every row is in the
//              backup and can be read out of it, not only its table of contents.
// Each file is read once (hash and decompression in one pass), N files at a time (default: the CPUs).
// A single-file backup (`pg_dump -Fc`, made before backups were directories) gets its size, its SHA-256 and,
// for read-back, a full `pg_restore -f /dev/null`.
// Exit 0 sound, 1 refused (with the reason on stderr), 2 usage.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { readOnce } from './lib/dump-files.mjs';
import { fail, parseArgs } from './lib/env.mjs';

const { options, positional } = parseArgs(process.argv.slice(2));
const [given] = positional;
const check = options.check ?? 'read-back';
if (!given || !['read-back', 'checksums'].includes(check)) fail('usage: verify-backup.mjs BACKUP [--check read-back|checksums] [--jobs N]', 2);
const jobs = Math.max(1, Math.min(64, Number(options.jobs) || Math.min(8, availableParallelism())));
const backup = resolve(given);
const name = basename(backup);
const refuse = (reason) => fail(`refusing ${backup}: ${reason}`);
if (!existsSync(backup)) fail(`backup ${backup} does not exist`);
const manifestPath = join(dirname(backup), `${name.replace(/\.dump$/, '')}.manifest.json`);
const sumsPath = `${backup}.sha256`;
if (!existsSync(sumsPath)) refuse(`it has no checksum file (${basename(sumsPath)}), so it cannot be trusted`);
if (!existsSync(manifestPath)) refuse(`it has no manifest (${basename(manifestPath)})`);
let manifest;
try {
  manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
} catch (error) {
  refuse(`its manifest ${basename(manifestPath)} is not JSON (${error.message})`);
}
const pgRestore = process.env.SANDBOX_PGBIN ? join(process.env.SANDBOX_PGBIN, 'pg_restore') : 'pg_restore';

function run(command, args) {
  return new Promise((done) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => done({ code: -1, stdout, stderr: error.message }));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** sha256sum-format lines → { name: hex }. */
function readSums(text) {
  const sums = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) refuse(`its checksum file ${basename(sumsPath)} has a line that is not \`SHA256  FILE\`: ${line.slice(0, 80)}`);
    sums[m[2]] = m[1];
  }
  return sums;
}

if (statSync(backup).isFile()) {
  // A single-file (custom-format) backup from before backups were directories.
  const bytes = statSync(backup).size;
  if (bytes !== manifest.bytes) refuse(`it is ${bytes} bytes but was ${manifest.bytes} bytes when it was made (truncated or replaced)`);
  const sums = readSums(readFileSync(sumsPath, 'utf8'));
  const { sha256 } = await readOnce(backup, false);
  if (Object.values(sums)[0] !== sha256) refuse(`its SHA-256 checksum does not match ${basename(sumsPath)} (the file is corrupted)`);
  const read = await run(pgRestore, check === 'read-back' ? ['-f', '/dev/null', backup] : ['--list', backup]);
  if (read.code !== 0) refuse(`pg_restore cannot read it (${read.stderr.trim().split('\n')[0]})`);
  console.error(`sandbox: backup ${name} is sound: ${bytes} bytes, SHA-256 matches, pg_restore can read ${check === 'read-back' ? 'all of it' : 'its table of contents'}`);
  process.exit(0);
}

const listed = manifest.files ?? {};
const present = readdirSync(backup).sort();
for (const file of Object.keys(listed)) if (!present.includes(file)) refuse(`its file ${file} is missing (truncated or damaged copy)`);
for (const file of present) if (!(file in listed)) refuse(`it holds a file the backup did not write: ${file}`);
for (const file of present) {
  const bytes = statSync(join(backup, file)).size;
  if (bytes !== listed[file]) refuse(`its file ${file} is ${bytes} bytes but was ${listed[file]} bytes when it was made (truncated or replaced)`);
}
const sums = readSums(readFileSync(sumsPath, 'utf8'));
for (const file of present) if (!sums[file]) refuse(`its checksum file ${basename(sumsPath)} has no line for ${file}`);

// The table of contents: which file holds which table's data.
const toc = await run(pgRestore, ['--list', backup]);
if (toc.code !== 0) refuse(`pg_restore cannot read its table of contents (${toc.stderr.trim().split('\n')[0]})`);
const dataFile = {};
for (const line of toc.stdout.split('\n')) {
  const m = /^(\d+); \d+ \d+ TABLE DATA public (\S+) /.exec(line);
  if (m) dataFile[m[2]] = present.find((file) => file === `${m[1]}.dat.gz` || file === `${m[1]}.dat`);
}
for (const table of Object.keys(manifest.tables ?? {})) {
  if (!dataFile[table]) refuse(`its table of contents has no data for table ${table}, which the manifest counted`);
}
const tableOf = Object.fromEntries(Object.entries(dataFile).map(([table, file]) => [file, table]));

// Every file once, the largest first, `jobs` at a time: hash, and for read-back decompress and count rows.
const queue = [...present].sort((a, b) => listed[b] - listed[a]);
const problems = [];
const rowsRead = {};
await Promise.all(
  Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const table = tableOf[file];
      const readBack = check === 'read-back' && table !== undefined;
      const result = await readOnce(join(backup, file), readBack);
      if (result.sha256 !== sums[file]) problems.push(`its SHA-256 checksum does not match ${basename(sumsPath)} for ${file} (the file is corrupted)`);
      else if (result.error) problems.push(`${file} (table ${table}): ${result.error}`);
      else if (readBack) rowsRead[table] = result.rows;
    }
  }),
);
if (problems.length > 0) refuse(problems.sort().join('; '));
const rowsOf = check === 'read-back' ? rowsRead : manifest.rowsReadBack;
if (!rowsOf) refuse('its manifest records no read-back (it was never read back when it was made); check it with --check read-back');
for (const [table, expected] of Object.entries(manifest.tables ?? {})) {
  if (rowsOf[table] !== expected) {
    refuse(`it holds ${rowsOf[table]} rows of table ${table}${check === 'read-back' ? '' : ' (read back when it was made)'} but the snapshot it was taken in had ${expected}`);
  }
}
const rowsTotal = Object.values(rowsOf).reduce((sum, n) => sum + n, 0);
console.error(
  `sandbox: backup ${name} is sound: ${present.length} files, ${manifest.bytes} bytes, every SHA-256 matches, ` +
    (check === 'read-back'
      ? `every table read back to its end (${rowsTotal} rows in ${Object.keys(rowsOf).length} tables, as counted when it was made)`
      : `pg_restore can read its table of contents, and these bytes read back to ${rowsTotal} rows when it was made, as counted`),
);
