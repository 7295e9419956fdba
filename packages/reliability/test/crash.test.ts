/**
 * Crash safety: SIGKILL the engine (and its blocks, as a host crash would) right after every event
 * of a run, then `readybook resume` it. The ledger the fixture's blocks append to proves that no
 * passed step ran again and that every rollback ran exactly once.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { record } from '../src/figures.js';
import { cli, type Event, FULL, PACKAGE_DIR, parseEvents, pool, runAndKill, runDirs, workspace } from '../src/harness.js';

const FIXTURE = join(PACKAGE_DIR, 'fixtures/crash.md');

interface Scenario {
  name: string;
  failAt: number;
  failRollback: number;
  exitCode: number;
  status: string;
}

const SCENARIOS: Scenario[] = [
  { name: 'passing run', failAt: 0, failRollback: 0, exitCode: 0, status: 'passed' },
  { name: 'failing step 4, clean rollback', failAt: 4, failRollback: 0, exitCode: 1, status: 'rolled-back' },
  { name: 'failing step 3, rollback of step 2 fails', failAt: 3, failRollback: 2, exitCode: 3, status: 'rollback-failed' },
];

/** Seconds each block sleeps before its side effect: long enough for a kill to land inside it. */
const PAUSE = FULL ? '0.15' : '0.05';

let killsSurvived = 0;
let killPointsTried = 0;

function ledger(dir: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(join(dir, 'ledger.txt'), 'utf8').split('\n')) {
    if (line.trim()) counts.set(line.trim(), (counts.get(line.trim()) ?? 0) + 1);
  }
  return counts;
}

function journal(runDir: string): Event[] {
  const text = readFileSync(join(runDir, 'journal.jsonl'), 'utf8');
  // Every line must parse: a SIGKILL may never leave a torn line behind.
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Event);
}

function prepare(scenario: Scenario) {
  const ws = workspace('rb-crash-');
  copyFileSync(FIXTURE, join(ws.dir, 'crash.md'));
  ws.write('ledger.txt', '');
  const params = [`FAIL_AT=${scenario.failAt}`, `FAIL_ROLLBACK=${scenario.failRollback}`, `PAUSE=${PAUSE}`];
  const args = ['run', 'crash.md', '--json', ...params.flatMap((p) => ['--param', p])];
  return { ws, args };
}

/** Kills after event `n`, resumes, and checks every invariant. Returns the kill's event type. */
async function killAndResume(scenario: Scenario, n: number): Promise<string> {
  const { ws, args } = prepare(scenario);
  const killed = await runAndKill(args, { cwd: ws.dir, env: ws.env, killAfter: (_e, i) => i === n });
  expect(killed.killed, `run ended before event ${n}`).toBe(true);
  const [runDir] = runDirs(ws.home);
  const before = journal(runDir as string);
  expect(before.length).toBeGreaterThanOrEqual(n);
  const runId = before[0]?.runId as string;
  const last = before[before.length - 1] as Event;

  if (last.type === 'run.end') {
    // Killed after the last event: the run is complete; its report must still be readable.
    const report = await cli(['report', runId, '--format', 'json'], { cwd: ws.dir, env: ws.env });
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout).status).toBe(scenario.status);
    return last.type;
  }

  const resumed = await cli(['resume', runId, '--json'], { cwd: ws.dir, env: ws.env });
  expect(resumed.stderr).not.toMatch(/internal error|^\s+at /m);
  expect(resumed.code, `${scenario.name}, killed after event ${n} (${last.type}): ${resumed.stderr}`).toBe(scenario.exitCode);
  const resumeEvents = parseEvents(resumed.stdout);
  const end = resumeEvents[resumeEvents.length - 1] as Event;
  expect(end.type).toBe('run.end');
  expect(end.status).toBe(scenario.status);
  expect(end.exitCode).toBe(scenario.exitCode);
  // The journal still parses as a whole after the resume appended to it.
  const after = journal(runDir as string);
  expect(after.length).toBeGreaterThan(before.length);

  const counts = ledger(ws.dir);
  const count = (key: string) => counts.get(key) ?? 0;
  const passedBefore = before.filter((e) => e.type === 'step.end' && e.status === 'passed').map((e) => e.step.index as number);
  const inFlight = before.filter((e) => e.type === 'step.start').map((e) => e.step.index as number).filter((i) => !passedBefore.includes(i));
  const rolledBefore = before.filter((e) => e.type === 'rollback.step.end' && e.status === 'passed').map((e) => e.step.index as number);
  for (const s of passedBefore) {
    expect(count(`run ${s}`), `step ${s} passed before the kill and ran again`).toBe(1);
    expect(count(`verify ${s}`), `step ${s}'s verify passed before the kill and ran again`).toBe(1);
  }
  for (const s of rolledBefore) expect(count(`rollback ${s}`), `rollback ${s} ran again`).toBe(1);
  for (const s of [1, 2, 3, 4]) {
    // At least once for the step in flight, never more than twice.
    expect(count(`run ${s}`) + count(`fail ${s}`)).toBeLessThanOrEqual(inFlight.includes(s) ? 2 : 1);
    expect(count(`rollback ${s}`) + count(`rollback-fail ${s}`)).toBeLessThanOrEqual(2);
  }
  if (scenario.status === 'passed') {
    for (const s of [1, 2, 3, 4]) {
      expect(count(`run ${s}`)).toBeGreaterThanOrEqual(1);
      expect(count(`verify ${s}`)).toBeGreaterThanOrEqual(1);
      expect(count(`rollback ${s}`)).toBe(0);
    }
  } else {
    const { failAt, failRollback } = scenario;
    expect(count(`fail ${failAt}`)).toBeGreaterThanOrEqual(1);
    for (let s = 1; s <= failAt; s += 1) {
      // Every step up to the failed one was compensated (or its compensation failed, as planned).
      expect(count(`rollback ${s}`) + count(`rollback-fail ${s}`), `step ${s} was not rolled back`).toBeGreaterThanOrEqual(1);
      if (s === failRollback) expect(count(`rollback-fail ${s}`)).toBeGreaterThanOrEqual(1);
    }
    for (let s = failAt + 1; s <= 4; s += 1) expect(count(`run ${s}`)).toBe(0);
  }
  return last.type;
}

/**
 * Which events to kill after: every one under `pnpm suite`; in CI the first of each kind (two inside rollbacks) and the last one: every window, at a third of the cost.
 */
function killPoints(types: string[]): number[] {
  if (FULL) return types.map((_, i) => i + 1);
  const seen = new Map<string, number>();
  const points: number[] = [];
  types.forEach((type, i) => {
    seen.set(type, (seen.get(type) ?? 0) + 1);
    const n = seen.get(type) as number;
    if (n === 1 || (type === 'rollback.step.start' && n === 2) || i === types.length - 1) points.push(i + 1);
  });
  return points;
}

describe.each(SCENARIOS)('SIGKILL after every event: $name', (scenario) => {
  it('completes on resume with no passed step run twice', async () => {
    const { ws, args } = prepare(scenario);
    const clean = await cli(args, { cwd: ws.dir, env: ws.env });
    expect(clean.code, clean.stderr).toBe(scenario.exitCode);
    const types = parseEvents(clean.stdout).filter((e) => e.type !== 'step.output').map((e) => e.type);
    const points = killPoints(types);
    const kinds = await pool(points, 2, (n) => killAndResume(scenario, n));
    killPointsTried += points.length;
    killsSurvived += kinds.length;
    // The kills covered the windows that matter: inside a step (run and verify) and inside a rollback.
    expect(kinds).toContain('step.start');
    expect(kinds).toContain('step.run.end');
    if (scenario.exitCode !== 0) expect(kinds).toContain('rollback.step.start');
  });
});

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
  record('crash', { killPoints: killPointsTried, killsSurvived });
});
