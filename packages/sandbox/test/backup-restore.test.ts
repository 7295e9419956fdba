import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, readdirSync, statSync, truncateSync, writeFileSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputsOf, REPO, runIdOf, type Sandbox, sandboxUp, show } from './helpers.js';

const REPO_BIN = join(REPO, 'packages/sandbox/bin');
let sandbox: Sandbox;
const itemCount = async () => (await sandbox.query<{ n: number }>('SELECT count(*)::int AS n FROM items'))[0]!.n;
const dumps = () => readdirSync(join(sandbox.dir, 'backups')).filter((name) => name.endsWith('.dump')).sort();
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
/** The data file of the items table in a directory backup, found through its table of contents. */
function itemsData(dir: string): string {
  const toc = spawnSync(join(sandbox.env.SANDBOX_PGBIN!, 'pg_restore'), ['--list', dir], { encoding: 'utf8' }).stdout;
  const id = /^(\d+); \d+ \d+ TABLE DATA public items /m.exec(toc)?.[1];
  expect(id, toc).toBeDefined();
  return join(dir, `${id}.dat.gz`);
}

async function backup(params: Record<string, string | number> = {}) {
  const result = await sandbox.run('backup', params, ['--json']);
  expect(result.code, show(result)).toBe(0);
  return outputsOf(sandbox, runIdOf(result.stdout));
}

beforeAll(async () => {
  sandbox = sandboxUp();
  const deploy = await sandbox.run('deploy', { VERSION: 'v1' });
  expect(deploy.code, show(deploy)).toBe(0);
  for (const name of ['alpha', 'beta', 'gamma']) expect((await sandbox.http('POST', '/items', { name })).status).toBe(201);
});
afterAll(() => sandbox?.down());

describe('backup runbook', () => {
  it('writes a directory dump, the checksum of every file in it and a manifest with row counts', async () => {
    const outputs = await backup();
    const file = outputs.BACKUP_FILE!;
    expect(statSync(file).isDirectory()).toBe(true);
    const files = readdirSync(file).sort();
    expect(files).toContain('toc.dat');
    expect(Number(outputs.BACKUP_BYTES)).toBe(files.reduce((sum, name) => sum + statSync(join(file, name)).size, 0));
    const sums = readFileSync(`${file}.sha256`, 'utf8');
    expect(sha256(sums)).toBe(outputs.BACKUP_SHA256);
    expect(sums).toBe(files.map((name) => `${sha256(readFileSync(join(file, name)))}  ${name}\n`).join(''));
    // The checksum file is the standard tool's format, names relative to the dump directory.
    expect(spawnSync('sha256sum', ['--check', '--status', `../${basename(file)}.sha256`], { cwd: file }).status).toBe(0);
    const manifest = JSON.parse(readFileSync(file.replace(/\.dump$/, '.manifest.json'), 'utf8'));
    expect(manifest.tables.items).toBe(await itemCount());
    expect(manifest.format).toBe('directory');
    expect(manifest.serverVersion).toMatch(/^\d+/);
  });

  it('refuses, in the read-back, a dump that lost a row even when every size and checksum was made to match', async () => {
    const outputs = await backup();
    const file = outputs.BACKUP_FILE!;
    const data = itemsData(file);
    const lines = gunzipSync(readFileSync(data)).toString('utf8').split('\n');
    writeFileSync(data, gzipSync(lines.slice(1).join('\n')));
    const manifestPath = file.replace(/\.dump$/, '.manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    manifest.files[basename(data)] = statSync(data).size;
    writeFileSync(manifestPath, JSON.stringify(manifest));
    writeFileSync(`${file}.sha256`, readdirSync(file).sort().map((name) => `${sha256(readFileSync(join(file, name)))}  ${name}\n`).join(''));

    const verify = (check: string) =>
      spawnSync('bash', [join(REPO_BIN, 'verify-backup.sh'), file, '--check', check], { encoding: 'utf8', env: { ...process.env, ...sandbox.env } });
    expect(verify('checksums').status).toBe(0);
    const readBack = verify('read-back');
    expect(readBack.status).toBe(1);
    expect(readBack.stderr).toMatch(new RegExp(`holds ${manifest.tables.items - 1} rows of table items but the snapshot it was taken in had ${manifest.tables.items}`));
  });

  it('keeps the newest KEEP backups and never deletes the one it just made', async () => {
    for (let i = 0; i < 3; i++) await backup({ KEEP: 2 });
    expect(dumps()).toHaveLength(2);
    const outputs = await backup({ KEEP: 0 });
    expect(dumps()).toEqual([basename(outputs.BACKUP_FILE!)]);
    expect(existsSync(`${outputs.BACKUP_FILE}.sha256`)).toBe(true);
  });
});

describe('restore runbook', () => {
  it('refuses a backup with flipped bytes and leaves the live data alone', async () => {
    const { BACKUP_FILE: file } = await backup();
    await sandbox.http('POST', '/items', { name: 'written after the backup' });
    const before = await itemCount();
    const data = itemsData(file!);
    const bytes = readFileSync(data);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(data, bytes);

    const result = await sandbox.run('restore');
    expect(result.code, show(result)).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/checksum does not match/);
    expect(await itemCount()).toBe(before);
    expect((await sandbox.http('GET', '/health')).status).toBe(200);
  });

  it('refuses a truncated backup and leaves the live data alone', async () => {
    const { BACKUP_FILE: file } = await backup();
    const before = await itemCount();
    const data = itemsData(file!);
    truncateSync(data, Math.floor(statSync(data).size / 2));

    const result = await sandbox.run('restore', { BACKUP: basename(file!) });
    expect(result.code, show(result)).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/truncated/);
    expect(await itemCount()).toBe(before);
  });

  it('restores a sound backup: the data is as it was, the service serves it, the old database is kept', async () => {
    const { BACKUP_FILE: file } = await backup();
    const atBackup = await itemCount();
    await sandbox.http('POST', '/items', { name: 'lost by the restore' });
    expect(await itemCount()).toBe(atBackup + 1);

    const result = await sandbox.run('restore', { BACKUP: file! }, ['--json']);
    expect(result.code, show(result)).toBe(0);
    const outputs = await outputsOf(sandbox, runIdOf(result.stdout));
    expect(outputs.RESTORED_FROM).toBe(file);

    expect(await itemCount()).toBe(atBackup);
    const items = (await sandbox.http('GET', '/items')).body.items as { name: string }[];
    expect(items.map((item) => item.name)).not.toContain('lost by the restore');
    const kept = await sandbox.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname = '${outputs.PREVIOUS_DB}'`);
    expect(kept).toHaveLength(1);
  });

  it('restores a copy given by path', async () => {
    const { BACKUP_FILE: file } = await backup();
    const copy = join(sandbox.cwd, 'copy.dump');
    // A copy under another name verifies by content: the checksum file names the files inside the dump.
    cpSync(file!, copy, { recursive: true });
    copyFileSync(`${file}.sha256`, `${copy}.sha256`);
    copyFileSync(file!.replace(/\.dump$/, '.manifest.json'), copy.replace(/\.dump$/, '.manifest.json'));
    const result = await sandbox.run('restore', { BACKUP: copy });
    expect(result.code, show(result)).toBe(0);
  });
});
