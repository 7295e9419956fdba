#!/usr/bin/env node
// backup.mjs [--dir DIR] — back up $PGDATABASE with pg_dump -Fc into DIR (default $BACKUP_DIR, else
// $SANDBOX_DIR/backups) and write, beside NAME.dump, NAME.dump.sha256 (sha256sum format) and
// NAME.manifest.json (row counts per table, server version, time, size, checksum).
// The row counts and the dump come from one snapshot (pg_export_snapshot + pg_dump --snapshot), so a
// restore can be checked against them exactly even while the service keeps writing.
// Prints BACKUP_FILE, BACKUP_BYTES, BACKUP_SHA256, BACKUP_MANIFEST, BACKUP_CREATED_EPOCH as KEY=value lines.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import pg from 'pg';
import { fail, parseArgs, requireEnv } from './lib/env.mjs';

const { options } = parseArgs(process.argv.slice(2));
const { PGDATABASE, SANDBOX_DIR } = requireEnv('PGDATABASE', 'SANDBOX_DIR');
const dir = resolve(options.dir || process.env.BACKUP_DIR || join(SANDBOX_DIR, 'backups'));
const pgDump = process.env.SANDBOX_PGBIN ? join(process.env.SANDBOX_PGBIN, 'pg_dump') : 'pg_dump';

const created = new Date();
const stamp = created.toISOString().replace(/[-:]/g, '').replace('.', '');
const file = join(dir, `${PGDATABASE}-${stamp}.dump`);
const partial = `${file}.partial`;
await mkdir(dir, { recursive: true });

function run(command, args) {
  return new Promise((done, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? done() : reject(new Error(`${command} exited with ${code}`))));
  });
}

function sha256(path) {
  return new Promise((done, reject) => {
    const hash = createHash('sha256');
    createReadStream(path).on('error', reject).on('data', (chunk) => hash.update(chunk)).on('end', () => done(hash.digest('hex')));
  });
}

const client = new pg.Client();
await client.connect().catch((error) => fail(`cannot connect to ${PGDATABASE}: ${error.message}`));
let tables = {};
let serverVersion;
try {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const { rows: [{ snapshot }] } = await client.query('SELECT pg_export_snapshot() AS snapshot');
  serverVersion = (await client.query('SHOW server_version')).rows[0].server_version;
  const { rows: names } = await client.query(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  for (const { table_name: table } of names) {
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${client.escapeIdentifier(table)}`);
    tables[table] = rows[0].n;
  }
  await run(pgDump, ['-Fc', `--snapshot=${snapshot}`, '-f', partial, PGDATABASE]);
  await client.query('COMMIT');
} catch (error) {
  await unlink(partial).catch(() => {});
  fail(`backup failed: ${error.message}`);
} finally {
  await client.end();
}

await rename(partial, file);
const { size } = await stat(file);
const digest = await sha256(file);
const manifestPath = file.replace(/\.dump$/, '.manifest.json');
const manifest = {
  file: basename(file),
  database: PGDATABASE,
  format: 'pg_dump custom (-Fc)',
  createdAt: created.toISOString(),
  createdEpoch: created.getTime() / 1_000,
  serverVersion,
  bytes: size,
  sha256: digest,
  tables,
};
await writeFile(`${file}.sha256`, `${digest}  ${basename(file)}\n`);
await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
console.error(`sandbox: backed up ${PGDATABASE} to ${file} (${size} bytes; ${Object.entries(tables).map(([t, n]) => `${t}: ${n}`).join(', ') || 'no tables'})`);
console.log(`BACKUP_FILE=${file}`);
console.log(`BACKUP_BYTES=${size}`);
console.log(`BACKUP_SHA256=${digest}`);
console.log(`BACKUP_MANIFEST=${manifestPath}`);
console.log(`BACKUP_CREATED_EPOCH=${manifest.createdEpoch}`);
