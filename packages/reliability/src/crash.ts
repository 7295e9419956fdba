/** The crash fixture and its ledger, shared by the crash-safety tests. */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Event, FULL, PACKAGE_DIR, workspace } from './harness.js';

export const FIXTURE = join(PACKAGE_DIR, 'fixtures/crash.md');

export interface Scenario {
  name: string;
  failAt: number;
  failRollback: number;
  exitCode: number;
  status: string;
}

export const SCENARIOS: Scenario[] = [
  { name: 'passing run', failAt: 0, failRollback: 0, exitCode: 0, status: 'passed' },
  { name: 'failing step 4, clean rollback', failAt: 4, failRollback: 0, exitCode: 1, status: 'rolled-back' },
  { name: 'failing step 3, rollback of step 2 fails', failAt: 3, failRollback: 2, exitCode: 3, status: 'rollback-failed' },
];

/** Seconds each block sleeps before its side effect: long enough for a kill to land inside it. */
export const PAUSE = FULL ? '0.15' : '0.05';

export function ledger(dir: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(join(dir, 'ledger.txt'), 'utf8').split('\n')) {
    if (line.trim()) counts.set(line.trim(), (counts.get(line.trim()) ?? 0) + 1);
  }
  return counts;
}

export function journal(runDir: string): Event[] {
  const text = readFileSync(join(runDir, 'journal.jsonl'), 'utf8');
  // Every line must parse: a SIGKILL may never leave a torn line behind.
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Event);
}

export function prepare(scenario: Scenario) {
  const ws = workspace('rb-crash-');
  copyFileSync(FIXTURE, join(ws.dir, 'crash.md'));
  ws.write('ledger.txt', '');
  const params = [`FAIL_AT=${scenario.failAt}`, `FAIL_ROLLBACK=${scenario.failRollback}`, `PAUSE=${PAUSE}`];
  const args = ['run', 'crash.md', '--json', ...params.flatMap((p) => ['--param', p])];
  return { ws, args };
}

