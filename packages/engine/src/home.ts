import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where runs, locks and reports live: `$READYBOOK_HOME`, or `.readybook` in the working directory. */
export function readybookHome(cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(cwd, env.READYBOOK_HOME && env.READYBOOK_HOME.trim() !== '' ? env.READYBOOK_HOME : '.readybook');
}

export function runsDir(home: string): string {
  return join(home, 'runs');
}

export function runDir(home: string, runId: string): string {
  return join(runsDir(home), runId);
}

export function locksDir(home: string): string {
  return join(home, 'locks');
}

/** Creates a directory readable by its owner only (run logs can hold sensitive output). */
export function mkdirPrivate(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
}
