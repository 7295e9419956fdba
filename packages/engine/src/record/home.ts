import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ReadybookError } from '../errors.js';

/**
 * Where runs, locks and reports live: `$READYBOOK_HOME` (relative to the working directory), else
 * `.readybook` at the root of the git repository the working directory is in, else in the working
 * directory — so every folder of a repository shares one home and `check` gives one answer.
 */
export function readybookHome(cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.READYBOOK_HOME && env.READYBOOK_HOME.trim() !== '') return resolve(cwd, env.READYBOOK_HOME);
  return join(gitRoot(cwd) ?? resolve(cwd), '.readybook');
}

/** The nearest ancestor of `cwd` (itself included) with a `.git`. */
export function gitRoot(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
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
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST') {
      throw new ReadybookError('RB061', `cannot create ${path}: a part of that path is a file, not a folder`, {
        hint: 'READYBOOK_HOME must name a folder (or a path where one can be created); point it elsewhere or remove the file.',
      });
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new ReadybookError('RB061', `cannot create ${path}: ${code === 'EROFS' ? 'the file system is read-only' : 'permission denied'}`);
    }
    throw error;
  }
}
