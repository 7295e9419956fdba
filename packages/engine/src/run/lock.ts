import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { closeSync, linkSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { ReadybookError } from '../errors.js';
import { locksDir, mkdirPrivate } from '../record/home.js';
import { processAlive, startTime } from './orphan.js';

interface LockInfo {
  runId: string;
  pid: number;
  /** The holder's kernel start time, so a pid reused by another process does not hold the lock. */
  start?: string | null;
  host: string;
  startedAt: string;
  runbook: string;
  /** The runbook's id (absent in locks written before named resources). */
  runbookId?: string;
}

export interface Lock {
  path: string;
  release(): void;
}

/**
 * Takes the one-run-at-a-time lock of a runbook (keyed by its real path), then the lock of each
 * named resource in its `locks:` (keyed by name, shared by every runbook of this home): all or none.
 */
export function acquireLocks(home: string, runbookPath: string, runbookId: string, runId: string, resources: readonly string[] = []): Lock {
  const taken: Lock[] = [acquireLock(home, runbookPath, runbookId, runId)];
  try {
    for (const name of resources) taken.push(acquireResourceLock(home, name, runbookPath, runbookId, runId));
  } catch (error) {
    for (const lock of taken.reverse()) lock.release();
    throw error;
  }
  return {
    path: taken[0]!.path,
    release() {
      for (const lock of [...taken].reverse()) lock.release();
    },
  };
}

/**
 * Takes the one-run-at-a-time lock of a runbook (keyed by its real path). A lock held by a live
 * process is refused, naming its run id and pid; a lock left by a dead process on this host is
 * taken over. Creation is atomic and complete: the lock is written to a private file and hard-linked
 * into place (link fails if the lock exists), so no one ever reads a half-written lock; takeovers are
 * serialised, so of two racing processes only one wins.
 */
export function acquireLock(home: string, runbookPath: string, runbookId: string, runId: string): Lock {
  const key = createHash('sha256').update(runbookPath).digest('hex').slice(0, 12);
  return take(join(locksDir(home), `${runbookId}-${key}.lock`), { runId, runbookPath, runbookId }, (holder) =>
    new ReadybookError('RB050', `runbook ${runbookId} is locked by run ${holder.runId} (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt})`),
  );
}

/** The lock of a named resource (`locks: [db-prod]`): refused with RB051, naming the holder's run and runbook. */
export function acquireResourceLock(home: string, name: string, runbookPath: string, runbookId: string, runId: string): Lock {
  return take(join(locksDir(home), `resource-${name}.lock`), { runId, runbookPath, runbookId, resource: name }, (holder) =>
    new ReadybookError(
      'RB051',
      `resource ${name} (in \`locks:\` of runbook ${runbookId}) is locked by run ${holder.runId} of runbook ${holder.runbookId ?? holder.runbook} (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt})`,
    ),
  );
}

function take(path: string, who: { runId: string; runbookPath: string; runbookId: string; resource?: string }, refused: (holder: LockInfo) => ReadybookError): Lock {
  const { runId } = who;
  mkdirPrivate(dirname(path));
  const info: LockInfo = { runId, pid: process.pid, start: startTime(process.pid), host: hostname(), startedAt: new Date().toISOString(), runbook: who.runbookPath, runbookId: who.runbookId };
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (create(path, info)) {
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
    }
    const holder = readLock(path);
    if (!holder) {
      // Unreadable: written this instant (where hard links are not supported), or damaged by a
      // crash or a full disk. Wait a moment; a lock still unreadable after that is taken over.
      if (ageMs(path) < DAMAGED_AFTER_MS) {
        sleepSync(10);
        continue;
      }
      takeOver(path, undefined);
      continue;
    }
    if (isAlive(holder)) throw refused(holder);
    takeOver(path, holder);
  }
  throw new ReadybookError(who.resource ? 'RB051' : 'RB050', `${who.resource ? `resource ${who.resource}` : `runbook ${who.runbookId}`} is locked (lock file ${path} keeps changing)`);
}

/** An unreadable lock younger than this may still be being written; older, it is damaged. */
const DAMAGED_AFTER_MS = 2_000;

/** Creates the lock with its content in one step; false when a lock is already there. */
function create(path: string, info: LockInfo): boolean {
  const text = JSON.stringify(info);
  const draft = `${path}.${process.pid}.draft`;
  try {
    writeFileSync(draft, text, { mode: 0o600 });
    try {
      linkSync(draft, path);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    } finally {
      unlinkSync(draft);
    }
    // A filesystem without hard links: exclusive create, then write (readers wait out the gap).
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, text);
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new ReadybookError('RB061', `cannot create the lock file ${path}: ${(error as Error).message}`);
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    const lock = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return typeof lock?.pid === 'number' && typeof lock.runId === 'string' ? lock : undefined;
  } catch {
    return undefined;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0; // gone: the next attempt creates a fresh lock
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isAlive(lock: LockInfo): boolean {
  if (lock.host !== hostname()) return true; // Cannot check another host's process: assume alive.
  return processAlive(lock.pid, lock.start);
}

/**
 * Removes a dead process's lock (or, with `dead` undefined, a damaged one). A second lock file
 * serialises takeovers, so two processes that both saw the same dead holder cannot both remove it
 * (the second would remove the first's new lock).
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
    const stillDead = dead ? now !== undefined && now.runId === dead.runId && now.pid === dead.pid && !isAlive(now) : now === undefined && ageMs(path) >= DAMAGED_AFTER_MS;
    if (stillDead) unlinkSync(path);
  } catch {
    // Someone else removed it: the next attempt creates a fresh lock.
  } finally {
    unlinkSync(guard);
  }
}

/** A lock of this home held by a live run, as `readybook locks` lists it. */
export interface HeldFileLock {
  /** `runbook:<id>` or `resource:<name>`, as the store names them. */
  name: string;
  runId: string;
  runbook: string;
  pid: number;
  host: string;
  startedAt: string;
}

/** The locks of this home whose holder still runs (a dead holder's file is left for the next run to take over). */
export function listFileLocks(home: string): HeldFileLock[] {
  let names: string[];
  try {
    names = readdirSync(locksDir(home)).filter((n) => n.endsWith('.lock'));
  } catch {
    return [];
  }
  const held: HeldFileLock[] = [];
  for (const file of names.sort()) {
    const lock = readLock(join(locksDir(home), file));
    if (!lock || !isAlive(lock)) continue;
    const resource = /^resource-(.+)\.lock$/.exec(file)?.[1];
    const runbook = lock.runbookId ?? lock.runbook;
    held.push({ name: resource ? `resource:${resource}` : `runbook:${runbook}`, runId: lock.runId, runbook, pid: lock.pid, host: lock.host, startedAt: lock.startedAt });
  }
  return held;
}
