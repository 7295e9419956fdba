/**
 * Crash safety, continued: a journal cut after any event (the state a kill leaves), a second kill
 * during the resume, and Ctrl-C / SIGTERM.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { journal, ledger, prepare, type Scenario, SCENARIOS } from '../src/crash.js';
import { record } from '../src/figures.js';
import { cli, type Event, FULL, parseEvents, pool, runAndKill, runDirs, workspace } from '../src/harness.js';

let killsSurvived = 0;
let killPointsTried = 0;

describe('a journal cut after any event (the state a kill leaves)', () => {
  it.each(SCENARIOS.slice(1))('$name: resume finishes from every prefix without re-running passed steps', async (scenario) => {
    const { ws, args } = prepare(scenario);
    const clean = await cli(args, { cwd: ws.dir, env: ws.env });
    expect(clean.code).toBe(scenario.exitCode);
    const [runDir] = runDirs(ws.home);
    const lines = readFileSync(join(runDir as string, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean);
    // Every prefix under `pnpm suite`; in CI the ones around the failure and the end of the rollback.
    const cuts = Array.from({ length: lines.length - 1 }, (_, i) => i + 1).filter((k) => FULL || k >= lines.length - 3 || /"rollback.start"|"status":"failed"/.test(lines[k - 1] as string));
    await pool(cuts, 2, async (k) => {
      const copy = workspace('rb-cut-');
      copyFileSync(join(ws.dir, 'crash.md'), join(copy.dir, 'crash.md'));
      copy.write('ledger.txt', '');
      const runId = JSON.parse(lines[0] as string).runId as string;
      copy.write(`.readybook/runs/${runId}/journal.jsonl`, `${lines.slice(0, k).join('\n')}\n`);
      const resumed = await cli(['resume', runId, '--json'], { cwd: copy.dir, env: copy.env });
      expect(resumed.code, `cut after line ${k}: ${resumed.stderr}`).toBe(scenario.exitCode);
      const prefix = lines.slice(0, k).map((l) => JSON.parse(l) as Event);
      const counts = ledger(copy.dir);
      for (const e of prefix) {
        if (e.type === 'step.end' && e.status === 'passed') expect(counts.get(`run ${e.step.index}`), `cut after line ${k}: step ${e.step.index} ran again`).toBeUndefined();
        if (e.type === 'rollback.step.end') expect(counts.get(`rollback ${e.step.index}`), `cut after line ${k}: rollback ${e.step.index} ran again`).toBeUndefined();
      }
      killsSurvived += 1;
      killPointsTried += 1;
    });
  });
});

describe('crash during a resume', () => {
  it('survives a second SIGKILL while resuming, then completes', async () => {
    const scenario = SCENARIOS[1] as Scenario;
    const { ws, args } = prepare(scenario);
    await runAndKill(args, { cwd: ws.dir, env: ws.env, killAfter: (e) => e.type === 'step.run.end' && e.step.index === 2 });
    const runId = journal(runDirs(ws.home)[0] as string)[0]?.runId as string;
    // Kill the resume inside the rollback it starts after step 4 fails.
    const second = await runAndKill(['resume', runId, '--json'], { cwd: ws.dir, env: ws.env, killAfter: (e) => e.type === 'rollback.step.start' && e.step.index === 3 });
    expect(second.killed).toBe(true);
    const third = await cli(['resume', runId, '--json'], { cwd: ws.dir, env: ws.env });
    expect(third.code, third.stderr).toBe(1);
    const counts = ledger(ws.dir);
    expect(counts.get('run 1')).toBe(1);
    expect(counts.get('rollback 4')).toBe(1);
    expect(counts.get('rollback 1')).toBe(1);
    expect(counts.get('run 4')).toBeUndefined();
    killsSurvived += 2;
    killPointsTried += 2;
  });
});

// A block left running by a killed engine (SIGKILL of the engine alone) is stopped by `resume` before
// the step runs again: packages/engine/test/run.test.ts ("resume after the engine alone was killed").

describe('signals', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} during a step stops it, rolls back and exits 130`, async () => {
      const { ws } = prepare(SCENARIOS[0] as Scenario);
      const args = ['run', 'crash.md', '--json', '--param', 'PAUSE=1'];
      const { spawn } = await import('node:child_process');
      const { NODE, BIN } = await import('../src/harness.js');
      const child = spawn(NODE, [BIN, ...args], { cwd: ws.dir, env: ws.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const code = await new Promise<number | null>((resolve) => {
        child.stdout.setEncoding('utf8').on('data', (c: string) => {
          out += c;
          if (out.includes('"type":"step.start","step":{"index":2') && !child.killed) child.kill(signal);
        });
        child.on('close', (c) => resolve(c));
      });
      expect(code).toBe(130);
      const events = parseEvents(out);
      expect(events.at(-1)?.status).toBe('interrupted');
      expect(events.filter((e) => e.type === 'rollback.step.end').map((e) => e.step.index)).toEqual([2, 1]);
      const counts = ledger(ws.dir);
      expect(counts.get('run 2')).toBeUndefined();
      expect(counts.get('rollback 1')).toBe(1);
    });
  }
});

afterAll(() => {
  record('crash-resume', { resumeKillPoints: killPointsTried, resumeKillsSurvived: killsSurvived });
});
