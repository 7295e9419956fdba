/**
 * Drives the real `readybook` CLI as a subprocess, the way an operator or CI does: each test gets a
 * scratch folder with its own READYBOOK_HOME, and nothing here imports the engine's internals.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = resolve(PACKAGE_DIR, '../..');
export const BIN = join(REPO, 'packages/engine/bin/readybook.js');

/**
 * The engine must work on the oldest Node it supports (the system Node 20), while pnpm scripts run
 * vitest on the pinned Node 24: prefer the system one, as operators run it.
 */
export const NODE = process.env.RELIABILITY_NODE ?? (existsSync('/usr/bin/node') ? '/usr/bin/node' : process.execPath);

/** True under `pnpm suite`: heavy sizes instead of the CI ones. */
export const FULL = process.env.RELIABILITY_FULL === '1';

export interface CliResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface Workspace {
  dir: string;
  home: string;
  env: NodeJS.ProcessEnv;
  write(name: string, text: string | Buffer): string;
  read(name: string): string;
}

/** A scratch folder with its own READYBOOK_HOME and no colours. */
export function workspace(prefix = 'rb-rel-'): Workspace {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const home = join(dir, '.readybook');
  const env: NodeJS.ProcessEnv = { ...process.env, READYBOOK_HOME: home, NO_COLOR: '1', FORCE_COLOR: '0' };
  delete env.READYBOOK_DEBUG;
  return {
    dir,
    home,
    env,
    write(name, text) {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
    read(name) {
      const path = join(dir, name);
      return existsSync(path) ? readFileSync(path, 'utf8') : '';
    },
  };
}

/** Runs the CLI to completion (async, so tests can run several at once). */
export function cli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number; input?: string }): Promise<CliResult> {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(NODE, [BIN, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => killTree(child.pid), options.timeout ?? 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code: code ?? -1, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Synchronous variant, for setup steps. */
export function cliSync(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): CliResult {
  const started = performance.now();
  const r = spawnSync(NODE, [BIN, ...args], { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8', timeout: options.timeout ?? 60_000 });
  return { code: r.status ?? -1, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - started };
}

// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON events, asserted on field by field by the tests.
export type Event = Record<string, any> & { type: string };

export function parseEvents(stdout: string): Event[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Event);
}

/** Every process below `pid` (children, grandchildren …), from /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // exited while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/**
 * SIGKILLs a process and everything below it, the way a host crash or an OOM-killed container does.
 * The engine runs blocks in their own process groups, so killing the engine alone would leave them.
 */
export function killTree(pid: number | undefined): void {
  if (pid === undefined) return;
  const below = descendants(pid);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
  for (const p of below) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `readybook run … --json` and calls `onEvent` for each journaled event (live output events
 * are skipped); when it returns true the process tree is SIGKILLed at once.
 */
export function runAndKill(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; killAfter: (event: Event, index: number) => boolean; timeout?: number },
): Promise<CliResult & { events: Event[]; killed: boolean }> {
  return new Promise((done) => {
    const started = performance.now();
    const child: ChildProcess = spawn(NODE, [BIN, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    let stdout = '';
    let stderr = '';
    const events: Event[] = [];
    let killed = false;
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (killed) return;
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim() === '') continue;
        const event = JSON.parse(line) as Event;
        if (event.type === 'step.output') continue;
        events.push(event);
        if (!killed && options.killAfter(event, events.length)) {
          killed = true;
          killTree(child.pid);
          return;
        }
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => killTree(child.pid), options.timeout ?? 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code: code ?? -1, signal, stdout, stderr, ms: performance.now() - started, events, killed });
    });
  });
}

/** Runs a command under GNU time and returns its result with the peak resident set size in KiB. */
export function cliMeasured(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<CliResult & { peakRssKiB: number }> {
  return new Promise((done) => {
    const started = performance.now();
    const useTime = existsSync('/usr/bin/time');
    const child = useTime
      ? spawn('/usr/bin/time', ['-f', 'RELIABILITY_MAXRSS=%M', NODE, BIN, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(NODE, [BIN, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let polled = 0;
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      // Keep only the end: a 1 GiB step must not fill the test's memory either.
      stdout = (stdout + c).slice(-65_536);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-65_536)));
    const poll = useTime
      ? undefined
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) polled = Math.max(polled, Number(m[1]));
          } catch {
            // exited
          }
        }, 50);
    const timer = setTimeout(() => killTree(child.pid), options.timeout ?? 600_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      const m = /RELIABILITY_MAXRSS=(\d+)/.exec(stderr);
      done({ code: code ?? -1, signal, stdout, stderr: stderr.replace(/RELIABILITY_MAXRSS=\d+\n?/, ''), ms: performance.now() - started, peakRssKiB: m ? Number(m[1]) : polled });
    });
  });
}

/** The only run directory in a home (most scenarios run one runbook once). */
export function runDirs(home: string): string[] {
  const runs = join(home, 'runs');
  return existsSync(runs) ? readdirSync(runs).sort().map((r) => join(runs, r)) : [];
}

/** Every file below a folder, as text (for leak searches). */
export function readTree(dir: string): Array<{ path: string; text: string }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => ({ path: join(e.parentPath, e.name), text: readFileSync(join(e.parentPath, e.name), 'latin1') }));
}

/** A stack trace printed to the user: `    at fn (file:1:2)` lines or the internal-error banner. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[:(].*\d+:\d+\)?$/m.test(text) || /internal error/i.test(text) || /\b(TypeError|RangeError|ReferenceError|SyntaxError):/.test(text);
}

/** `file:line:col: error CODE: message` lines. */
export const DIAGNOSTIC = /^[ ]*(\S.*?):(\d+):(\d+): error ([A-Z]{2}\d{3}): (.+)$/m;

export const fence = '```';

/** A runbook source from frontmatter lines and step sections. */
export function runbook(front: string, ...steps: string[]): string {
  return `---\n${front}\n---\n\n${steps.join('\n\n')}\n`;
}

export function step(title: string, blocks: { run?: string; verify?: string; rollback?: string; runInfo?: string }): string {
  const parts = [`## ${title}`, ''];
  if (blocks.run !== undefined) parts.push(`${fence}sh run${blocks.runInfo ? ` ${blocks.runInfo}` : ''}`, blocks.run, fence, '');
  if (blocks.verify !== undefined) parts.push(`${fence}sh verify`, blocks.verify, fence, '');
  if (blocks.rollback !== undefined) parts.push(`${fence}sh rollback`, blocks.rollback, fence, '');
  return parts.join('\n');
}

/** Runs async tasks with at most `limit` at once. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
