import { copyFileSync, existsSync, readdirSync, statSync, truncateSync, writeFileSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputsOf, runIdOf, type Sandbox, sandboxUp, show } from './helpers.js';

let sandbox: Sandbox;
const itemCount = async () => (await sandbox.query<{ n: number }>('SELECT count(*)::int AS n FROM items'))[0]!.n;
const dumps = () => readdirSync(join(sandbox.dir, 'backups')).filter((name) => name.endsWith('.dump')).sort();

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
  it('writes a dump, its checksum and a manifest with row counts', async () => {
    const outputs = await backup();
    const file = outputs.BACKUP_FILE!;
    expect(existsSync(file)).toBe(true);
    expect(Number(outputs.BACKUP_BYTES)).toBe(statSync(file).size);
    expect(readFileSync(`${file}.sha256`, 'utf8')).toBe(`${outputs.BACKUP_SHA256}  ${basename(file)}\n`);
    const manifest = JSON.parse(readFileSync(file.replace(/\.dump$/, '.manifest.json'), 'utf8'));
    expect(manifest.tables.items).toBe(await itemCount());
    expect(manifest.serverVersion).toMatch(/^\d+/);
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
    const bytes = readFileSync(file!);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(file!, bytes);

    const result = await sandbox.run('restore');
    expect(result.code, show(result)).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/checksum does not match/);
    expect(await itemCount()).toBe(before);
    expect((await sandbox.http('GET', '/health')).status).toBe(200);
  });

  it('refuses a truncated backup and leaves the live data alone', async () => {
    const { BACKUP_FILE: file } = await backup();
    const before = await itemCount();
    truncateSync(file!, Math.floor(statSync(file!).size / 2));

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
    for (const suffix of ['', '.sha256']) copyFileSync(`${file}${suffix}`, `${copy}${suffix}`);
    copyFileSync(file!.replace(/\.dump$/, '.manifest.json'), copy.replace(/\.dump$/, '.manifest.json'));
    // The checksum file names the original file; a copy under another name must still verify by content.
    writeFileSync(`${copy}.sha256`, readFileSync(`${copy}.sha256`, 'utf8').replace(basename(file!), 'copy.dump'));
    const result = await sandbox.run('restore', { BACKUP: copy });
    expect(result.code, show(result)).toBe(0);
  });
});
