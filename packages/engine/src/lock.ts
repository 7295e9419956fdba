import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { ReadybookError } from './errors.js';
import { locksDir, mkdirPrivate } from './home.js';

interface LockInfo {
  runId: string;
  pid: number;
  host: string;
  startedAt: string;
  runbook: string;
}

export interface Lock {
  path: string;
  release(): void;
}

/**
 * Takes the one-run-at-a-time lock of a runbook (keyed by its real path). A lock held by a live
 * process is refused, naming its run id and pid; a lock left by a dead process on this host is
 * taken over. Creation is atomic (O_EXCL), and takeover renames the stale file first, so of two
 * racing processes only one wins.
 */
export function acquireLock(home: string, runbookPath: string, runbookId: string, runId: string): Lock {
  const dir = locksDir(home);
  mkdirPrivate(dir);
  const key = createHash('sha256').update(runbookPath).digest('hex').slice(0, 12);
  const path = join(dir, `${runbookId}-${key}.lock`);
  const info: LockInfo = { runId, pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), runbook: runbookPath };
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      return {
        path,
        release() {
          try {
            const current = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
            if (current.runId === runId) unlinkSync(path);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ReadybookError('RB061', `cannot create the lock file ${path}: ${(error as Error).message}`);
      }
    }
    const holder = readLock(path);
    if (holder && isAlive(holder)) {
      throw new ReadybookError(
        'RB050',
        `runbook ${runbookId} is locked by run ${holder.runId} (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt})`,
      );
    }
    takeOver(path, holder);
  }
  throw new ReadybookError('RB050', `runbook ${runbookId} is locked (lock file ${path} keeps changing)`);
}

function readLock(path: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    // A lock being written right now reads as empty: treat it as held.
    return { runId: 'unknown (lock being written)', pid: process.pid, host: hostname(), startedAt: 'now', runbook: '' };
  }
}

function isAlive(lock: LockInfo): boolean {
  if (lock.host !== hostname()) return true; // Cannot check another host's process: assume alive.
  try {
    process.kill(lock.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a dead process's lock. A second lock file serialises takeovers, so two processes that
 * both saw the same dead holder cannot both remove it (the second would remove the first's new lock).
 */
function takeOver(path: string, dead: LockInfo | undefined): void {
  const guard = `${path}.takeover`;
  try {
    closeSync(openSync(guard, 'wx', 0o600));
  } catch {
    try {
      if (Date.now() - statSync(guard).mtimeMs > 10_000) unlinkSync(guard); // left by a killed takeover
    } catch {
      // gone already
    }
    return;
  }
  try {
    const now = readLock(path);
    if (now && dead && now.runId === dead.runId && now.pid === dead.pid && !isAlive(now)) unlinkSync(path);
  } catch {
    // Someone else removed it: the next attempt creates a fresh lock.
  } finally {
    unlinkSync(guard);
  }
}
