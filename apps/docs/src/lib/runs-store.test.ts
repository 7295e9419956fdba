import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeConfig } from '@readybook/engine';
// The engine's own test harness: its real CLI, and a throwaway PostgreSQL cluster started by the sandbox's script.
import { cli, workspace } from '../../../../packages/engine/test/helpers';
import { pgBinDir, STORE_PASSWORD, startStore, type TestStore } from '../../../../packages/engine/test/store-helpers';
import { loadRunHistory, storeCoverage } from './runs';
import { checklistLoader } from './checklist-loader';
import { fakeContext } from './fake-loader-context';

const F = '```';
const quick = (title: string) => [`## ${title}`, `${F}sh run`, `echo "${title} done"`, F].join('\n');
const runbook = (title: string, ...steps: string[]) => [`---`, `title: ${title}`, `---`, '', ...steps, ''].join('\n');

/** A machine: its own repo and READYBOOK_HOME, the shared store. */
function machine(store: TestStore, operator: string) {
  const ws = workspace();
  ws.env = { ...ws.env, READYBOOK_STORE: store.url, READYBOOK_OPERATOR: operator, READYBOOK_STORE_TIMEOUT: '3' };
  spawnSync('git', ['init', '-q', ws.dir]);
  spawnSync('mkdir', ['-p', path.join(ws.dir, 'runbooks'), path.join(ws.dir, 'checklists')]);
  return ws;
}

describe.skipIf(pgBinDir() === undefined)('the site with a shared store (READYBOOK_STORE)', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await startStore();
  }, 120_000);
  afterAll(() => store?.down());

  it("shows the runs other machines made, each once, committed evidence first; never the store's password", async () => {
    const alice = machine(store, 'alice');
    alice.write('runbooks/shared.md', runbook('Shared', quick('One')));
    const runs = [0, 1].map(() => {
      const result = cli(['run', 'shared', '--yes', '--json'], { cwd: alice.dir, env: alice.env });
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout.trim().split('\n')[0]!).runId as string;
    });
    const [older, newer] = runs as [string, string];
    // The site is built on another machine: an empty home, the older run committed as evidence there.
    const site = await mkdtemp(path.join(tmpdir(), 'site-'));
    const evidenceDir = path.join(site, 'evidence');
    const home = path.join(site, '.readybook');
    await mkdir(path.join(evidenceDir, 'runs', 'shared'), { recursive: true });
    await writeFile(path.join(evidenceDir, 'runs', 'shared', `${older}.json`), await readFile(path.join(alice.home, 'runs', older, 'report.json'), 'utf8'));

    const withStore = await loadRunHistory({ evidenceDir, home, store: { config: storeConfig({ READYBOOK_STORE: store.url })!, timeoutMs: 3000 } });
    expect(withStore.warnings).toEqual([]);
    expect(withStore.byRunbook.get('shared')!.map((r) => [r.runId, r.source, r.alsoIn, r.operator, r.storeRuns])).toEqual([
      [newer, 'store', [], 'alice', 2],
      [older, 'evidence', ['store'], 'alice', 2],
    ]);
    // A read cut at one run per runbook takes the newest (also the newest passing) and says how many there are.
    const cut = await loadRunHistory({ evidenceDir, home, store: { config: storeConfig({ READYBOOK_STORE: store.url })!, timeoutMs: 3000, perRunbook: 1 } });
    expect(cut.byRunbook.get('shared')!.map((r) => [r.runId, r.source, r.alsoIn, r.storeRuns])).toEqual([
      [newer, 'store', [], 2],
      [older, 'evidence', [], null],
    ]);
    expect(storeCoverage(cut.byRunbook.get('shared')!)).toEqual({ inStore: 2, read: 1, unread: 1 });
    expect(withStore.byRunbook.get('shared')![0]!.file).toBe(`store:${newer}`);
    // Without the store, only the committed run.
    expect((await loadRunHistory({ evidenceDir, home })).byRunbook.get('shared')!.map((r) => r.runId)).toEqual([older]);
    expect(JSON.stringify([...withStore.byRunbook.values()])).not.toContain(STORE_PASSWORD);
  });

  it("is a new docs build, not turbo's cached one, once another machine's run reaches the store", async () => {
    const repo = path.resolve(import.meta.dirname, '../../../..');
    // The hash turbo would give the docs build (scripts/turbo.mjs puts the store's state in it), without building.
    const docsHash = (env: NodeJS.ProcessEnv) => {
      const dry = spawnSync(process.execPath, [path.join(repo, 'scripts/turbo.mjs'), 'run', 'build', '--filter=@readybook/docs', '--dry=json'], { cwd: repo, env, encoding: 'utf8' });
      expect(dry.status, dry.stderr).toBe(0);
      expect(dry.stdout + dry.stderr).not.toContain(STORE_PASSWORD);
      return (JSON.parse(dry.stdout) as { tasks: Array<{ taskId: string; hash: string }> }).tasks.find((t) => t.taskId === '@readybook/docs#build')!.hash;
    };
    const { READYBOOK_STORE: _unset, ...plain } = process.env;
    const withStore = { ...plain, READYBOOK_STORE: store.url };
    const before = docsHash(withStore);
    expect(docsHash(withStore)).toBe(before);
    expect(docsHash(plain)).not.toBe(before);
    const carol = machine(store, 'carol');
    carol.write('runbooks/later.md', runbook('Later', quick('One')));
    expect(cli(['run', 'later', '--yes'], { cwd: carol.dir, env: carol.env }).code).toBe(0);
    const after = docsHash(withStore);
    expect(after).not.toBe(before);
    expect(docsHash(withStore)).toBe(after);
  }, 60_000);

  it('fails the build, with the password masked, when the store does not answer', async () => {
    const site = await mkdtemp(path.join(tmpdir(), 'site-'));
    const down = store.url.replace(/:\d+\/readybook$/, ':1/readybook');
    const error = await loadRunHistory({ evidenceDir: path.join(site, 'evidence'), home: path.join(site, '.readybook'), store: { config: storeConfig({ READYBOOK_STORE: down })!, timeoutMs: 2000 } }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/^RB053: the store postgresql:\/\/readybook:\*\*\*@127\.0\.0\.1:1\/readybook (does not answer|failed)/);
    // A sentence and a hint, no stack trace under it (Astro prints a stack when the error has one).
    expect((error as Error & { hint?: string }).hint).toContain('build without READYBOOK_STORE');
    expect(error?.stack).toBe('');
    expect(error?.message).not.toContain(STORE_PASSWORD);
  });

  it("shows a checklist's newest evaluation, from the store when another machine evaluated it last", async () => {
    const gate = ['---', 'title: Gate', 'gate: launch', 'owner: ops', '---', '', '## Recovery', '', '- [ ] The drill passed `evidence: gated`', ''].join('\n');
    const bob = machine(store, 'bob');
    bob.write('runbooks/gated.md', runbook('Gated', quick('Drill')));
    bob.write('checklists/gate.md', gate);
    // Signed with one team key, so every machine trusts the run.
    const keyDir = await mkdtemp(path.join(tmpdir(), 'key-'));
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'team', '-f', path.join(keyDir, 'team')]);
    bob.env.READYBOOK_SIGNING_KEY = path.join(keyDir, 'team');
    expect(cli(['run', 'gated', '--yes'], { cwd: bob.dir, env: bob.env }).code).toBe(0);
    const written = cli(['check', 'gate', '--write', '--json'], { cwd: bob.dir, env: bob.env });
    expect(written.code, written.stderr).toBe(0);
    // The site's repository has the checklist but no committed evaluation: the store's is shown.
    const site = machine(store, 'site');
    site.write('checklists/gate.md', gate);
    const shown = fakeContext();
    await checklistLoader(site.dir, path.join(site.dir, 'evidence', 'evaluations'), { config: storeConfig({ READYBOOK_STORE: store.url })!, timeoutMs: 3000 }).load(shown.context);
    const entry = shown.entries.get('gate') as { evaluation?: { verdict: string; sections: Array<{ items: Array<{ status: string; evidence?: { source: string } }> }> } };
    expect(entry.evaluation?.verdict).toBe('GO');
    expect(entry.evaluation?.sections[0]?.items[0]).toMatchObject({ status: 'pass' });
    // A committed evaluation loses to the store's newer one, and wins when it is the newer.
    const committed = JSON.parse(await readFile(path.join(bob.dir, 'evidence', 'evaluations', 'gate.json'), 'utf8'));
    await mkdir(path.join(site.dir, 'evidence', 'evaluations'), { recursive: true });
    const commit = (evaluatedAt: string) => writeFile(path.join(site.dir, 'evidence', 'evaluations', 'gate.json'), JSON.stringify({ ...committed, evaluatedAt, verdict: 'NO-GO' }));
    const shownWith = async () => {
      const again = fakeContext();
      await checklistLoader(site.dir, path.join(site.dir, 'evidence', 'evaluations'), { config: storeConfig({ READYBOOK_STORE: store.url })!, timeoutMs: 3000 }).load(again.context);
      return (again.entries.get('gate') as { evaluation?: { verdict: string } }).evaluation?.verdict;
    };
    await commit('2020-01-01T00:00:00.000Z');
    expect(await shownWith()).toBe('GO');
    await commit(new Date(Date.now() + 60_000).toISOString());
    expect(await shownWith()).toBe('NO-GO');
    await rm(path.join(site.dir, 'evidence'), { recursive: true });
    // Without the store: no evaluation at all.
    const bare = fakeContext();
    await checklistLoader(site.dir, path.join(site.dir, 'evidence', 'evaluations')).load(bare.context);
    expect((bare.entries.get('gate') as { evaluation?: unknown }).evaluation).toBeUndefined();
  }, 60_000);
});
