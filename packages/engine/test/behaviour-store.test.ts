import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { block, expectTruth, step } from './behaviour-helpers.js';
import { cli, cliAsync, events, runbook, workspace } from './helpers.js';
import { MODES, runIn, startIn, until } from './modes.js';
import { pgBinDir, STORE_PASSWORD, startStore, type TestStore } from './store-helpers.js';

/**
 * The shared store (READYBOOK_STORE, ADR 0024) seen the three ways people see a run (ADR 0016):
 * `--json`, human output piped to a file, and a pseudo-terminal. Each workspace stands for another
 * machine; they share only a real PostgreSQL cluster.
 */
const hasPostgres = pgBinDir() !== undefined;

describe.skipIf(!hasPostgres)('the store, in every presenter', () => {
  let store: TestStore;
  /** A role whose password is one letter, with password logins required for it. */
  let oneLetter: string;
  beforeAll(async () => {
    store = await startStore();
    await store.query("CREATE ROLE rb1 LOGIN PASSWORD 'e'", [], 'app');
    // A member of the store's owner role: what the store's tables need (ADR 0024, least privilege).
    await store.query('GRANT readybook TO rb1', [], 'app');
    await store.requirePassword('rb1');
    oneLetter = store.url.replace(`readybook:${STORE_PASSWORD}@`, 'rb1:e@');
  }, 120_000);
  afterAll(() => store?.down());

  const machine = (url = store.url, operator = 'alice') => {
    const ws = workspace();
    ws.env = { ...ws.env, READYBOOK_STORE: url, READYBOOK_OPERATOR: operator, READYBOOK_STORE_TIMEOUT: '3' };
    return ws;
  };

  describe.each(MODES)('%s', (mode) => {
    it("refuses a run another machine holds with exit 4, naming that run; the store's password never shows", async () => {
      const a = machine();
      const b = machine(store.url, 'bob');
      const hold = runbook('title: Held', step('hold', block('run', `touch '${join(a.dir, 'holding')}'; for i in $(seq 1 600); do [ -f '${join(a.dir, 'go')}' ] && exit 0; sleep 0.1; done; exit 1`)));
      a.write('held.md', hold);
      b.write('held.md', hold);
      const holder = cliAsync(['run', 'held.md', '--json'], { cwd: a.dir, env: a.env });
      await until(() => existsSync(join(a.dir, 'holding')));
      const runId = events(holder.output().split('\n')[0]!)[0]!.runId as string;

      const refused = await runIn(mode, ['run', 'held.md'], { cwd: b.dir, env: b.env });
      expect(refused.code, refused.raw).toBe(4);
      expect(refused.screen).toContain(`RB050: runbook held is locked by run ${runId}`);
      expect(refused.screen).toContain('operator alice');
      expect(refused.screen).toMatch(/in the store postgresql:\/\/readybook:\*\*\*@127\.0\.0\.1:\d+\/readybook/);
      expect(refused.raw).not.toContain(STORE_PASSWORD);
      if (mode === 'json') expect(refused.events).toEqual([expect.objectContaining({ type: 'error', code: 'RB050', exitCode: 4 })]);
      else expect(refused.screen).toContain('hint: Wait for the other run to end.');
      // The refused machine started no run of its own.
      expect(existsSync(join(b.home, 'runs'))).toBe(false);
      writeFileSync(join(a.dir, 'go'), '');
      expect((await holder.done).code).toBe(0);
    });

    it('Ctrl-C (SIGINT) of a run holding store locks rolls back, exits 130, and frees the lock for the next machine', async () => {
      const a = machine();
      const b = machine(store.url, 'bob');
      const text = runbook('title: Stop\nlocks: [db-modes]', step('a', block('run', 'true'), block('rollback', 'touch undone')), step('long', block('run', 'touch started; sleep 60')));
      a.write('stop.md', text);
      b.write('stop.md', text);
      const run = startIn(mode, ['run', 'stop.md'], { cwd: a.dir, env: a.env });
      await until(() => existsSync(join(a.dir, 'started')));
      if (mode === 'pty') run.type('\u0003');
      else run.signal('SIGINT');
      const result = await run.done;
      const journal = expectTruth(mode, result, a.home, { code: 130, status: 'interrupted' });
      expect(existsSync(join(a.dir, 'undone'))).toBe(true);
      const runId = journal[0]!.runId as string;
      // The other machine sees the run interrupted, no lock held, and can run it now.
      const listed = JSON.parse(cli(['runs', '--json'], { cwd: b.dir, env: b.env }).stdout) as Array<{ runId: string; status: string }>;
      expect(listed.find((r) => r.runId === runId)?.status).toBe('interrupted');
      expect(JSON.parse(cli(['locks', '--json'], { cwd: b.dir, env: b.env }).stdout).locks).toEqual([]);
      b.write('stop.md', runbook('title: Stop\nlocks: [db-modes]', step('a', block('run', 'true'))));
      expect(cli(['run', 'stop.md'], { cwd: b.dir, env: b.env }).code).toBe(0);
      expect(result.raw).not.toContain(STORE_PASSWORD);
    });

    it('works with a one-letter store password: masked where the connection shows, and no word of the output rewritten', async () => {
      const ws = machine(oneLetter);
      ws.write('letters.md', runbook('title: Letters', step('speak', block('run', 'echo "here, see the e-mail"'))));
      const ran = await runIn(mode, ['run', 'letters.md'], { cwd: ws.dir, env: ws.env });
      expect(ran.code, ran.raw).toBe(0);
      expect(ran.raw).toContain('here, see the e-mail');
      expect(ran.raw).not.toContain('***');
      expect(expectTruth(mode, ran, ws.home, { code: 0, status: 'passed' }).at(-1)).toMatchObject({ type: 'run.end', status: 'passed' });
      // The run reached the store, seen from another machine with the usual role.
      const other = machine();
      expect(JSON.parse(cli(['runs', '--json'], { cwd: other.dir, env: other.env }).stdout).map((r: { runbook: string }) => r.runbook)).toContain('letters');

      // A wrong one-letter password: the server's sentence is readable, the connection string masked.
      const wrong = machine(oneLetter.replace('rb1:e@', 'rb1:x@'));
      wrong.write('letters.md', runbook('title: Letters', step('speak', block('run', 'true'))));
      const refused = await runIn(mode, ['run', 'letters.md'], { cwd: wrong.dir, env: wrong.env });
      expect(refused.code, refused.raw).toBe(2);
      expect(refused.screen).toContain('RB053: the store postgresql://rb1:***@127.0.0.1:');
      expect(refused.screen).toContain('password authentication failed for user "rb1"');
      expect(refused.raw).not.toContain('rb1:x@');
    });
  });
});
