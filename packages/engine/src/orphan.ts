import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

function startTime(pid: number): string | null {
  try {
    // Field 22 of /proc/<pid>/stat, counted after the parenthesised command name.
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** The record of the running block. The launcher's blocks write it themselves before they run. */
export function runningPath(dir: string): string {
  return join(dir, FILE);
}

export function recordRunning(dir: string, pid: number | undefined, step: number, role: string): void {
  if (!pid) return;
  const record: Running = { pid, start: startTime(pid), step, role };
  writeFileSync(runningPath(dir), JSON.stringify(record), { mode: 0o600 });
}

export function clearRunning(dir: string): void {
  rmSync(join(dir, FILE), { force: true });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stops the process group of a block left running by a killed engine. Returns a description of
 * what was stopped, or undefined when nothing was left running.
 */
export async function stopOrphan(dir: string): Promise<string | undefined> {
  const path = join(dir, FILE);
  if (!existsSync(path)) return undefined;
  let record: Running;
  try {
    record = JSON.parse(readFileSync(path, 'utf8')) as Running;
  } catch {
    clearRunning(dir);
    return undefined;
  }
  const alive = () => {
    if (record.start === null || startTime(record.pid) !== record.start) return false;
    try {
      process.kill(-record.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) {
    clearRunning(dir);
    return undefined;
  }
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-record.pid, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  for (let i = 0; i < 30 && alive(); i += 1) await sleep(100);
  if (alive()) signal('SIGKILL');
  clearRunning(dir);
  return `stopped the ${record.role} block of step ${record.step} (process group ${record.pid}) left running by the killed run`;
}
