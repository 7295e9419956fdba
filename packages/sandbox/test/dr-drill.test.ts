import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputsOf, runIdOf, type Sandbox, sandboxUp, show } from './helpers.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = sandboxUp();
  const deploy = await sandbox.run('deploy', { VERSION: 'v2' });
  expect(deploy.code, show(deploy)).toBe(0);
  for (const name of ['one', 'two', 'three', 'four']) expect((await sandbox.http('POST', '/items', { name })).status).toBe(201);
});
afterAll(() => sandbox?.down());

describe('dr-drill runbook', () => {
  it('destroys and recovers the database and reports RTO_SECONDS and RPO_SECONDS as numbers', async () => {
    const items = await sandbox.query<{ id: number; name: string }>('SELECT id, name FROM items ORDER BY id');

    const result = await sandbox.run('dr-drill', {}, ['--json']);
    expect(result.code, show(result)).toBe(0);
    const outputs = await outputsOf(sandbox, runIdOf(result.stdout));

    for (const key of ['RTO_SECONDS', 'RPO_SECONDS'] as const) {
      expect(outputs[key], key).toMatch(/^\d+(\.\d+)?$/);
      expect(Number.isFinite(Number(outputs[key]))).toBe(true);
    }
    expect(outputs.BACKUP_USED).toMatch(/\.dump$/);

    // The drill's smoke test adds one item after recovery; every item from before the disaster is back.
    const after = await sandbox.query<{ id: number; name: string }>('SELECT id, name FROM items ORDER BY id');
    expect(after.slice(0, items.length)).toEqual(items);
    expect((await sandbox.http('GET', '/health')).body).toEqual({ status: 'ok', version: 'v2' });
  });

  it('with TAKE_BACKUP=false recovers from the newest existing backup and takes none', async () => {
    const dumps = () => readdirSync(join(sandbox.dir, 'backups')).filter((name) => name.endsWith('.dump')).sort();
    const before = dumps();
    const result = await sandbox.run('dr-drill', { TAKE_BACKUP: 'false' }, ['--json']);
    expect(result.code, show(result)).toBe(0);
    const outputs = await outputsOf(sandbox, runIdOf(result.stdout));
    expect(dumps()).toEqual(before);
    expect(outputs.BACKUP_USED).toBe(join(sandbox.dir, 'backups', before.at(-1)!));
    expect(Number(outputs.RPO_SECONDS)).toBeGreaterThan(0);
  });

  it('fails the drill when an objective is missed, and leaves the service serving', async () => {
    const result = await sandbox.run('dr-drill', { RTO_TARGET_SECONDS: 0 });
    expect(result.code, show(result)).toBe(1);
    expect(result.stdout).toMatch(/MISSED/);
    expect((await sandbox.http('GET', '/health')).status).toBe(200);
  });
});
