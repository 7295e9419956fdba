import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The block running right now, recorded in the run directory. If the engine itself is killed
 * (SIGKILL, OOM, a lost machine), the block's process group lives on; `resume` reads this record
 * and stops that group before running the step again, so the step never runs twice at once.
 */
const FILE = 'running.json';

interface Running {
  pid: number;
  /** Kernel start time of the process (from /proc), so a reused pid is never killed by mistake. */
  start: string | null;
  step: number;
  role: string;
}

/** Fields of /proc/<pid>/stat after the parenthesised command name (which may contain spaces). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The kernel start time of a process (field 22 of /proc/<pid>/stat), or null where /proc has none. */
export function startTime(pid: number): string | null {
  return statFields(pid)?.[19] ?? null;
}

/**
 * Whether a process still runs: a zombie (killed, not yet reaped by its parent — which is what a
 * `kill -9`ed engine is for a moment) or a pid since given to another process (a different start
 * time) is dead.
 */
export function processAlive(pid: number, start?: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const fields = statFields(pid);
  if (!fields) return !existsSync('/proc/self/stat'); // no /proc: trust kill(0)
  if (fields[0] === 'Z' || fields[0] === 'X') return false;
  return !start || fields[19] === start;
}

/** The record of the running block. The launcher's blocks write it themselves before they run. */
export function runningPath(dir: string): string {
  return join(dir, FILE);
}

/** Where a block's record goes and what it says of the block (a launched block writes it itself). */
export interface RunningRecord {
  path: string;
  step: number;
  role: string;
}

export function recordRunning(running: RunningRecord, pid: number | undefined): void {
  if (!pid) return;
  const record: Running = { pid, start: startTime(pid), step: running.step, role: running.role };
  writeFileSync(running.path, JSON.stringify(record), { mode: 0o600 });
}

export function clearRunning(dir: string): void {
  rmSync(join(dir, FILE), { force: true });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Whether any process of the group still runs (zombies, which only wait to be reaped, do not count). */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
  } catch {
    return false;
  }
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true; // no /proc: trust kill(0)
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields && fields[2] === String(pid) && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

/** SIGTERM to a process group, then SIGKILL if it is still `alive` after `graceMs`. */
export async function stopGroup(pid: number, graceMs: number, alive: () => boolean = () => groupAlive(pid)): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  for (let i = 0; i < graceMs / 100 && alive(); i += 1) await sleep(100);
  if (alive()) signalGroup(pid, 'SIGKILL');
}

/**
 * Stops the process group of a block left running by a killed engine. Returns a description of
 * what was stopped, or undefined when nothing was left running.
 */
export async function stopOrphan(dir: string, file = FILE): Promise<string | undefined> {
  const path = join(dir, file);
  if (!existsSync(path)) return undefined;
  const clear = () => rmSync(path, { force: true });
  let record: Running;
  try {
    record = JSON.parse(readFileSync(path, 'utf8')) as Running;
  } catch {
    clear();
    return undefined;
  }
  // The start time guards against a pid the kernel has since given to another process.
  const alive = () => record.start !== null && startTime(record.pid) === record.start && groupAlive(record.pid);
  if (!alive()) {
    clear();
    return undefined;
  }
  await stopGroup(record.pid, 3_000, alive);
  clear();
  const what = file === FILE ? `the ${record.role} block` : `the background block ${file.slice('background-'.length, -'.json'.length)}`;
  return `stopped ${what} of step ${record.step} (process group ${record.pid}) left running by the killed run`;
}

/** Stops every background block a killed run left running (their records are `background-<name>.json`). */
export async function stopBackgroundOrphans(dir: string): Promise<string[]> {
  const stopped: string[] = [];
  for (const file of recordFiles(dir).filter((f) => f !== FILE)) {
    const what = await stopOrphan(dir, file);
    if (what) stopped.push(what);
  }
  return stopped;
}

/**
 * Stops, synchronously, every block this run recorded as running (the block in flight and any
 * background block): used when the engine itself fails mid-run, where nothing may be awaited and a
 * block must not be left running without an engine watching it.
 */
export function stopRecordedNow(dir: string, graceMs = 1_000): void {
  const files = recordFiles(dir);
  const wait = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  for (const file of files) {
    try {
      const record = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Running;
      const alive = () => record.start !== null && startTime(record.pid) === record.start && groupAlive(record.pid);
      if (!alive()) continue;
      signalGroup(record.pid, 'SIGTERM');
      for (let waited = 0; waited < graceMs && alive(); waited += 50) wait(50);
      if (alive()) signalGroup(record.pid, 'SIGKILL');
    } catch {
      // unreadable record: nothing to stop
    }
  }
}

/** The records of running blocks in a run directory: the block in flight and each background block. */
function recordFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f === FILE || /^background-[a-z0-9_-]+\.json$/.test(f));
  } catch {
    return [];
  }
}
