import { spawn, type StdioOptions } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, fstatSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Launcher } from './launcher.js';
import type { Block } from '../runbook/parse.js';
import type { Masker } from './mask.js';
import { recordRunning, type RunningRecord, signalGroup, stopGroup, stopOrphan } from './orphan.js';

/** Bytes of output kept in memory per block, for the journal, the report and the terminal. */
export const TAIL_BYTES = 4096;
/** After SIGTERM, the process tree gets this long before SIGKILL. */
export const KILL_GRACE_MS = 3_000;
/** After the block's main process exits, wait this long for background children to release its pipes. */
const PIPE_DRAIN_MS = 1_000;

export interface BlockResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  interrupted: boolean;
  durationMs: number;
  tail: string;
  /** Why the block has no exit status, when something other than the block itself went wrong. */
  error?: string;
}

export interface RunBlockOptions {
  block: Block;
  /** Where the script is written for the record (and run from, for js or very long scripts). */
  scriptPath: string;
  logPath: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  masker: Masker;
  signal: AbortSignal;
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  /** The record of the running block (orphan.ts): a launched block writes it itself before it runs. */
  running: RunningRecord;
  /** Pass every byte to onOutput (for --json and --verbose); otherwise only the end of each chunk. */
  fullOutput?: boolean;
  /** The run's block launcher: blocks whose output needs no masking are started through it. */
  launcher?: Launcher;
}

/** Bytes of each chunk shown live when full output is not wanted (the spinner shows the last line). */
const LIVE_SNIPPET = 240;

const ZX_GLOBALS = import.meta.resolve('zx/globals');

function jsPrelude(): string {
  return [
    `import ${JSON.stringify(ZX_GLOBALS)};`,
    `import { appendFileSync as __rbAppend } from 'node:fs';`,
    `$.verbose = false;`,
    `globalThis.params = Object.freeze(Object.fromEntries(JSON.parse(process.env.READYBOOK_PARAM_NAMES ?? '[]').filter((k) => k in process.env).map((k) => [k, process.env[k]])));`,
    `globalThis.outputs = Object.freeze(Object.fromEntries(JSON.parse(process.env.READYBOOK_OUTPUT_NAMES ?? '[]').filter((k) => k in process.env).map((k) => [k, process.env[k]])));`,
    `globalThis.output = (key, value) => __rbAppend(process.env.READYBOOK_OUTPUT, \`\${key}=\${String(value).replace(/\\n/g, ' ')}\\n\`);`,
    // A failed command is reported as the command and its exit code, not as zx's stack through Node internals.
    `const __rbFail = (e) => { if (e && typeof e === 'object' && 'exitCode' in e && 'stderr' in e) { const cmd = String(e._command ?? e.cmd ?? '').trim(); process.stderr.write(\`command failed with exit code \${e.exitCode}\${cmd ? ': ' + cmd : ''}\\n\`); process.exit(typeof e.exitCode === 'number' && e.exitCode > 0 ? e.exitCode : 1); } process.stderr.write(\`\${e?.stack ?? e}\\n\`); process.exit(1); };`,
    `process.on('uncaughtException', __rbFail); process.on('unhandledRejection', __rbFail);`,
    '',
  ].join('\n');
}

/**
 * Runs one block in its own process group: bash with `set -euo pipefail` for sh/bash, a zx script
 * for js. Output goes to the block's log file and a bounded tail; a timeout or an abort kills the
 * whole process tree.
 *
 * With no secret to mask, the run's launcher starts the block and the block writes its output
 * straight into the log file (no copy through the engine, so 1 GiB of output costs what it costs
 * bash); the engine follows the file when something shows output live. With secrets (or without a
 * launcher), the engine spawns the block itself (child_process) and both streams come through pipes and a
 * streaming masker.
 */
export async function runBlock(options: RunBlockOptions): Promise<BlockResult> {
  const { block, masker } = options;
  const started = performance.now();
  const direct = !masker.active;
  const script = writeScript(block, options.scriptPath);
  // Both ways of starting a block run its script file the same way: `bash -- <script>` (the script
  // begins with `set -euo pipefail`) or `node -- <script>` (zx is the runtime of js blocks).
  const program = block.lang === 'js' ? process.execPath : 'bash';
  if (direct && options.launcher) {
    const request = { program, script, logPath: options.logPath, envPath: `${options.scriptPath}.env`, running: options.running };
    if (options.launcher.accepts(request)) {
      const result = await runLaunched(options, options.launcher, { ...request, env: options.env }, started);
      if (result) return result;
    }
  }
  const logFd = openSync(options.logPath, 'a+', 0o600);
  // The log keeps every attempt (and a resumed run's earlier ones); the tail is this attempt's own.
  const from = fstatSync(logFd).size;
  // A process group of its own (detached), so a timeout or an abort stops everything the block started.
  // The script text is the runbook's own code, never a param value: params arrive as env vars.
  const child = spawn(program, ['--', script], { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', direct ? logFd : 'pipe', 'pipe'] as StdioOptions });
  const spawnError = new Promise<string>((resolve) => child.once('error', (error) => resolve(error.message)));

  let tail = '';
  const keep = (text: string) => {
    tail = (tail + text).slice(-TAIL_BYTES);
  };
  const show = (name: 'stdout' | 'stderr', text: string) => options.onOutput?.(name, options.fullOutput ? text : text.slice(-LIVE_SNIPPET));
  const streams = { stdout: masker.stream(), stderr: masker.stream() };

  // Pipe path (secrets to mask): both streams are masked, then written to the log.
  const log = direct ? undefined : createWriteStream('', { fd: logFd, autoClose: false });
  const onPiped = (name: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const text = streams[name].write(chunk);
    if (text === '' || !log) return;
    if (!log.write(text)) {
      // Back-pressure: stop reading until the log catches up, so memory stays bounded.
      const source = name === 'stdout' ? child.stdout : child.stderr;
      source?.pause();
      log.once('drain', () => source?.resume());
    }
    keep(text);
    show(name, text);
  };
  // Direct path: stderr (usually small) is appended to the same file; stdout is followed from it.
  const onDirectStderr = (chunk: Buffer) => {
    writeSync(logFd, chunk);
  };
  const follower = direct && options.onOutput ? followFile(options.logPath, options.fullOutput === true, (text) => show('stdout', text)) : undefined;

  const watch = guard(options, (signal) => child.pid !== undefined && signalGroup(child.pid, signal));

  recordRunning(options.running, child.pid);
  if (direct) {
    child.stderr?.on('data', onDirectStderr);
  } else {
    child.stdout?.on('data', onPiped('stdout'));
    child.stderr?.on('data', onPiped('stderr'));
  }

  // A background child (a daemon the block started) may keep the pipes open after the block's own
  // process exits; the block is done when that process exits, not when every descendant does.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let drainTimer: NodeJS.Timeout | undefined;
  const drained = exited.then(
    () =>
      new Promise<void>((resolve) => {
        drainTimer = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          resolve();
        }, PIPE_DRAIN_MS);
      }),
  );
  const outcome = await Promise.race([Promise.race([closed, drained]).then(() => exited), spawnError.then((error) => ({ error }))]);
  watch.dispose();
  if (drainTimer) clearTimeout(drainTimer);

  if (direct) {
    follower?.stop();
    tail = readTail(logFd, TAIL_BYTES, from);
  } else {
    for (const name of ['stdout', 'stderr'] as const) {
      const rest = streams[name].end();
      if (rest) {
        log?.write(rest);
        keep(rest);
        show(name, rest);
      }
    }
    await new Promise<void>((resolve) => (log ? log.end(resolve) : resolve()));
  }
  closeSync(logFd);
  const status = 'error' in outcome ? { exitCode: null, signal: null, error: `${program} could not be started: ${outcome.error}` } : { exitCode: outcome.code, signal: outcome.signal };
  return { ...status, ...watch.state, durationMs: Math.round(performance.now() - started), tail };
}

/**
 * Arms a block's timeout and the run's abort signal: either sends SIGTERM to the block, then
 * SIGKILL after KILL_GRACE_MS. `state` tells which of the two fired.
 */
function guard(options: RunBlockOptions, send: (signal: NodeJS.Signals) => void) {
  const state = { timedOut: false, interrupted: false };
  let killTimer: NodeJS.Timeout | undefined;
  const kill = () => {
    if (killTimer) return;
    send('SIGTERM');
    killTimer = setTimeout(() => send('SIGKILL'), KILL_GRACE_MS);
    killTimer.unref();
  };
  const timeout = setTimeout(() => {
    state.timedOut = true;
    kill();
  }, options.timeoutMs);
  const onAbort = () => {
    state.interrupted = true;
    kill();
  };
  if (options.signal.aborted) onAbort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  return {
    state,
    dispose() {
      clearTimeout(timeout);
      if (killTimer) clearTimeout(killTimer);
      options.signal.removeEventListener('abort', onAbort);
    },
  };
}

/** Writes the block's script file (the record of what ran, and what bash or Node runs). */
function writeScript(block: Block, path: string): string {
  writeFileSync(path, block.lang === 'js' ? `${jsPrelude()}${block.code}\n` : `set -euo pipefail\n${block.code}\n`, { mode: 0o600 });
  return path;
}

/**
 * Runs a block through the run's launcher: stdout and stderr go straight to the log file, the
 * engine follows the file for the live view, and timeouts and aborts kill the block's process
 * group. Returns undefined when the launcher could not start the block (the caller then starts it
 * itself).
 */
async function runLaunched(options: RunBlockOptions, launcher: Launcher, request: Parameters<Launcher['launch']>[0], started: number): Promise<BlockResult | undefined> {
  const logFd = openSync(options.logPath, 'a+', 0o600);
  const from = fstatSync(logFd).size;
  const { onOutput } = options;
  const follower = onOutput ? followFile(options.logPath, options.fullOutput === true, (text) => onOutput('stdout', text)) : undefined;
  let pid: number | undefined;
  // Before the block has a pid there is nothing to signal; the kill is sent once it starts.
  const watch = guard(options, (signal) => pid !== undefined && signalGroup(pid, signal));
  const cleanUp = () => {
    watch.dispose();
    follower?.stop();
    rmSync(request.envPath, { force: true });
  };

  const LOST = 'the block launcher exited while the block ran, so its exit status is unknown; the block was stopped';
  let launched: Awaited<ReturnType<Launcher['launch']>> | undefined;
  try {
    launched = await launcher.launch(request);
  } catch {
    // The launcher died. A block writes its record before it runs: without one, it never started
    // and the caller starts it another way; with one, it did, and must not run twice.
    if (!existsSync(request.running.path)) {
      cleanUp();
      closeSync(logFd);
      return undefined;
    }
    await stopOrphan(dirname(request.running.path));
  }

  let status: number | undefined;
  let error: string | undefined;
  if (launched) {
    pid = launched.pid; // already recorded by the block itself
    if (watch.state.timedOut || watch.state.interrupted) signalGroup(pid, 'SIGTERM');
    try {
      status = await launched.exited;
    } catch {
      // The launcher itself was killed while the block ran: its exit status is lost. Stop the block.
      error = LOST;
      await stopGroup(pid, KILL_GRACE_MS);
    }
  } else {
    error = LOST;
  }
  cleanUp();
  const tail = readTail(logFd, TAIL_BYTES, from);
  closeSync(logFd);
  // bash reports a death by signal n as 128 + n; name the signal when the engine sent it.
  const { timedOut, interrupted } = watch.state;
  const killedBy = status !== undefined && status > 128 && (timedOut || interrupted) ? signalName(status - 128) : undefined;
  return {
    exitCode: status === undefined || killedBy ? null : status,
    signal: killedBy ?? null,
    timedOut,
    interrupted,
    durationMs: Math.round(performance.now() - started),
    tail,
    ...(error ? { error } : {}),
  };
}

function signalName(n: number): string | undefined {
  return Object.entries(constants.signals).find(([, value]) => value === n)?.[0];
}

/** The last `bytes` of a file after offset `from`, decoded (a character cut at the start is dropped). */
function readTail(fd: number, bytes: number, from = 0): string {
  const size = fstatSync(fd).size;
  const length = Math.min(Math.max(0, size - from), bytes);
  if (length === 0) return '';
  const buffer = Buffer.alloc(length);
  readSync(fd, buffer, 0, length, size - length);
  return buffer.toString('utf8').replace(/^\uFFFD+/, '');
}

const CHUNK = 1024 * 1024;
let shared: Buffer | undefined;
/** One read buffer for every follower: reads are synchronous, so they never interleave. */
function readBuffer(): Buffer {
  shared ??= Buffer.allocUnsafe(CHUNK);
  return shared;
}

/** Follows a growing file for the live view: every byte (full) or just the newest end of it. */
function followFile(path: string, full: boolean, emit: (text: string) => void): { stop(): void } {
  const fd = openSync(path, 'r');
  let offset = fstatSync(fd).size;
  const decoder = new StringDecoder('utf8');
  const poll = () => {
    const size = fstatSync(fd).size;
    if (size <= offset) return;
    const buffer = readBuffer();
    if (!full) {
      const length = Math.min(LIVE_SNIPPET, size - offset);
      const n = readSync(fd, buffer, 0, length, size - length);
      offset = size;
      emit(buffer.subarray(0, n).toString('utf8').replace(/^\uFFFD+/, ''));
      return;
    }
    while (offset < size) {
      const n = readSync(fd, buffer, 0, Math.min(CHUNK, size - offset), offset);
      if (n <= 0) break;
      offset += n;
      const text = decoder.write(buffer.subarray(0, n));
      if (text) emit(text);
    }
  };
  const timer = setInterval(poll, 100);
  return {
    stop() {
      clearInterval(timer);
      poll();
      const rest = decoder.end();
      if (rest) emit(rest);
      closeSync(fd);
    },
  };
}
