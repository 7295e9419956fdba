import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputsOf, runIdOf, type Sandbox, sandboxUp, show } from './helpers.js';

let sandbox: Sandbox;
beforeAll(() => {
  sandbox = sandboxUp();
});
afterAll(() => sandbox?.down());

describe('deploy runbook', () => {
  it('deploys v1, keeps data across a deploy of v2, and serves v2', async () => {
    const v1 = await sandbox.run('deploy', { VERSION: 'v1' });
    expect(v1.code, show(v1)).toBe(0);
    expect((await sandbox.http('GET', '/version')).body.version).toBe('v1');

    const created = await sandbox.http('POST', '/items', { name: 'kept across deploys' });
    expect(created.status).toBe(201);

    const v2 = await sandbox.run('deploy', { VERSION: 'v2' }, ['--json']);
    expect(v2.code, show(v2)).toBe(0);
    const outputs = await outputsOf(sandbox, runIdOf(v2.stdout));
    expect(outputs).toMatchObject({ DEPLOYED_VERSION: 'v2', PREVIOUS_VERSION: 'v1' });
    expect(outputs.BACKUP_FILE).toMatch(/\.dump$/);

    expect((await sandbox.http('GET', '/health')).body).toEqual({ status: 'ok', version: 'v2' });
    const items = (await sandbox.http('GET', '/items')).body.items as { id: number; name: string; created_by: string }[];
    expect(items.find((item) => item.id === created.body.id)).toMatchObject({ name: 'kept across deploys', created_by: 'anonymous' });
  });

  it('rolls a broken release back in the same run: exit 1, the previous release serving over HTTP', async () => {
    const before = (await sandbox.query<{ n: number }>('SELECT count(*)::int AS n FROM items'))[0]!.n;
    const broken = await sandbox.run('deploy', { VERSION: 'broken' });
    expect(broken.code, show(broken)).toBe(1);

    const health = await sandbox.http('GET', '/health');
    expect(health).toEqual({ status: 200, body: { status: 'ok', version: 'v2' } });
    expect((await sandbox.http('GET', '/items')).status).toBe(200);
    expect(readlinkSync(join(sandbox.dir, 'current'))).toBe('releases/v2');
    expect(readlinkSync(join(sandbox.dir, 'previous'))).toBe('releases/v1');
    // The broken release wrote one smoke-test item before its GET failed; nothing was lost.
    const after = (await sandbox.query<{ n: number }>('SELECT count(*)::int AS n FROM items'))[0]!.n;
    expect(after).toBeGreaterThanOrEqual(before);
  });

  it('refuses a second deploy while one is running, with exit code 4', async () => {
    const first = sandbox.start('deploy', { VERSION: 'v2' });
    await first.started;
    const second = await sandbox.run('deploy', { VERSION: 'v1' });
    expect(second.code, show(second)).toBe(4);
    expect(second.stderr + second.stdout).toMatch(/locked/);
    // backup names the database deploy changes (`locks: [sandbox-db]`): it waits for the deploy too.
    const backup = await sandbox.run('backup');
    expect(backup.code, show(backup)).toBe(4);
    expect(backup.stderr).toMatch(/error RB051: resource sandbox-db \(in `locks:` of runbook backup\) is locked by run \S+-deploy-[0-9a-f]+ of runbook deploy \(pid \d+ on /);
    const done = await first.done;
    expect(done.code, show(done)).toBe(0);
    expect((await sandbox.http('GET', '/version')).body.version).toBe('v2');
  });

  it('rolls back to the previous release and reports ROLLBACK_SECONDS', async () => {
    const result = await sandbox.run('rollback', {}, ['--json']);
    expect(result.code, show(result)).toBe(0);
    const outputs = await outputsOf(sandbox, runIdOf(result.stdout));
    expect(outputs).toMatchObject({ FROM_VERSION: 'v2', ROLLED_BACK_TO: 'v1', ROLLBACK_TARGET_MET: 'true' });
    expect(Number.isFinite(Number(outputs.ROLLBACK_SECONDS))).toBe(true);
    expect((await sandbox.http('GET', '/version')).body.version).toBe('v1');
  });
});
