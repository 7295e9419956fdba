import { spawn } from 'node:child_process';
import { signalGroup } from '../run/orphan.js';

export interface ShellResult {
  /** The exit code, or null when a signal ended it. */
  exitCode: number | null;
  timedOut: boolean;
  /** The last lines of stdout and stderr, interleaved as they came. */
  tail: string;
  durationMs: number;
  /** Set when bash could not be started at all. */
  error?: string;
}

const TAIL_LINES = 20;
const TAIL_CHARS = 4_000;
/** How long a process group gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2_000;

/**
 * Runs `bash -c command` in its own process group (as a check's command is written: no `set -e`, unlike
 * a runbook block, so `run/block.ts` with its launcher, masking and resume records is not used here). At `timeoutMs` the whole group is sent SIGTERM, then SIGKILL;
 * when bash exits, anything it left running in its group is killed too, so a check leaves nothing behind.
 */
export function runShell(command: string, options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<ShellResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let tail = '';
    let timedOut = false;
    let exitCode: number | null = null;
    let settled = false;
    const child = spawn('bash', ['-c', command], { cwd: options.cwd, env: options.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });

    const killGroup = (signal: NodeJS.Signals) => child.pid !== undefined && signalGroup(child.pid, signal);
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      clearTimeout(timer);
      clearTimeout(forceClose);
      resolve({ exitCode, timedOut, tail: lastLines(tail), durationMs: Math.round(performance.now() - started), ...(error ? { error } : {}) });
    };
    const collect = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-TAIL_CHARS * 2);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);

    let forceClose: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      forceClose = setTimeout(() => {
        killGroup('SIGKILL');
      }, KILL_GRACE_MS);
    }, options.timeoutMs);

    // Ctrl-C / SIGTERM of `check`: stop the command's whole process group as a timeout does.
    const onAbort = () => {
      killGroup('SIGTERM');
      forceClose ??= setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => finish(error.message));
    child.on('exit', (code) => {
      exitCode = code;
      killGroup('SIGKILL');
      // 'close' waits for every holder of the pipes; one that left the group must not hold the check up.
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      }, KILL_GRACE_MS).unref();
    });
    child.on('close', () => finish());
  });
}

function lastLines(text: string): string {
  return text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n').slice(-TAIL_CHARS);
}
