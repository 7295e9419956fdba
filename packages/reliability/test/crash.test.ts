/**
 * Crash safety: SIGKILL the engine (and its blocks, as a host crash would) right after every event
 * of a run, then `readybook resume` it. The ledger the fixture's blocks append to proves that no
 * passed step ran again and that every rollback ran exactly once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { journal, ledger, prepare, type Scenario, SCENARIOS } from '../src/crash.js';
import { record } from '../src/figures.js';
import { cli, type Event, FULL, parseEvents, pool, runAndKill, runDirs } from '../src/harness.js';

let killsSurvived = 0;
let killPointsTried = 0;

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

afterAll(() => {
  record('crash', { killPoints: killPointsTried, killsSurvived });
});
