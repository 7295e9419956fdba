import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { RunningRecord } from './orphan.js';

/**
 * A small long-lived bash process that starts the blocks of a run.
 *
 * Starting a process from Node costs a fork of the whole engine (tens of MiB of page tables on
 * Node 20), a few milliseconds per block; bash forks in a fraction of that. So the engine starts
 * this launcher once per run and asks it, one block at a time, to fork a block in a
 * process group of its own, with stdout and stderr appended to the block's log file. The engine
 * still owns everything else: the pid it is told, timeouts and kills (`kill -- -pgid`), the
 * journal. See ADR 0011.
 *
 * Requests are data, never shell text: one tab-separated line of file names in the run
 * directory (given once, as an argument), and the block's
 * environment changes in a NUL-separated file that bash reads with `read -d ''` and applies with
 * `export`/`unset` (a param value is never parsed as code).
 */
const SCRIPT = [
  'set -m -f',
  'dir=$1 node=$2',
  // bash reads a pipe a byte at a time: requests name files of the run directory, not whole paths.
  'while IFS=$\'\\t\' read -r id prog script log envfile step role; do',
  '  [ "$prog" = node ] && prog=$node',
  '  (',
  '    exec </dev/null >>"$dir/$log" 2>&1',
  // Record the block's pid (and its kernel start time) before it runs a line of its own, so an
  // engine killed at any moment leaves resume something to stop (see orphan.ts).
  '    start=null',
  '    if read -r stat </proc/$BASHPID/stat 2>/dev/null; then set -- ${stat##*) }; [ -n "${20:-}" ] && start="\\"${20}\\""; fi',
  '    printf \'{"pid":%s,"start":%s,"step":%s,"role":"%s"}\' "$BASHPID" "$start" "$step" "$role" >"$dir/running.json"',
  '    while IFS= read -r -d \'\' kv; do',
  '      case $kv in',
  '        -*) unset -v -- "${kv#-}" ;;',
  '        *) export -- "$kv" ;;',
  '      esac',
  '    done <"$dir/$envfile"',
  '    set +m +f',
  '    exec "$prog" -- "$dir/$script"',
  '  ) &',
  '  pid=$!',
  '  printf \'started %s %s\\n\' "$id" "$pid"',
  '  wait "$pid"',
  '  printf \'exit %s %s\\n\' "$id" "$?"',
  'done',
].join('\n');

export interface LaunchRequest {
  /** `bash` for sh/bash blocks, the Node binary for js blocks. */
  program: string;
  script: string;
  logPath: string;
  envPath: string;
  /** The block's whole environment; only what differs from the launcher's own is sent. */
  env: NodeJS.ProcessEnv;
  /** Where the block records its pid before it runs (orphan.ts), and what it is. */
  running: RunningRecord;
}

export interface LaunchedBlock {
  /** The block's pid, which is also its process group id. */
  pid: number;
  /** Resolves with the block's exit status as bash reports it (128 + n for a signal). */
  exited: Promise<number>;
}

interface Pending {
  id: number;
  started: (pid: number) => void;
  exited: (code: number) => void;
  failed: (error: Error) => void;
}

/** A file name a request can carry: no folder, tab or line break (anything else goes the slow way). */
const SAFE_NAME = /^[^/\t\n\r]+$/;

export class Launcher {
  private readonly child: ChildProcess;
  private buffer = '';
  private pending: Pending | undefined;
  private nextId = 1;
  private dead = false;

  private constructor(
    cwd: string,
    private readonly baseEnv: NodeJS.ProcessEnv,
    /** The run directory: every file a request names is in it. */
    private readonly dir: string,
  ) {
    // stderr is ignored: with job control on, bash reports finished jobs there.
    this.child = spawn('bash', ['-c', SCRIPT, 'readybook-launcher', dir, process.execPath], { cwd, env: baseEnv, detached: true, stdio: ['pipe', 'pipe', 'ignore'] });
    const { child } = this;
    child.on('error', () => this.fail(new Error('the block launcher could not start')));
    child.stdin?.on('error', () => this.fail(new Error('the block launcher stopped reading requests')));
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => this.onData(text));
    child.once('exit', () => this.fail(new Error('the block launcher exited')));
    // The launcher must not keep the engine alive on its own: it ends with the run.
    child.unref();
    for (const stream of [child.stdin, child.stdout] as unknown as Array<{ unref?: () => void } | null>) stream?.unref?.();
  }

  /** Starts a launcher, or returns undefined when bash cannot be started. */
  static start(cwd: string, env: NodeJS.ProcessEnv, dir: string): Launcher | undefined {
    try {
      return new Launcher(cwd, env, dir);
    } catch {
      return undefined;
    }
  }

  /** Whether this launcher can take the request (else the caller starts the block itself). */
  accepts(request: Omit<LaunchRequest, 'env'>): boolean {
    if (this.dead || this.pending !== undefined) return false;
    if (request.program !== 'bash' && request.program !== process.execPath) return false;
    if (request.running.path !== join(this.dir, 'running.json') || !SAFE_NAME.test(request.running.role)) return false;
    return [request.script, request.logPath, request.envPath].every((path) => dirname(path) === this.dir && SAFE_NAME.test(basename(path)));
  }

  /** Starts one block; resolves once it runs, with its pid and a promise of its exit status. */
  launch(request: LaunchRequest): Promise<LaunchedBlock> {
    writeFileSync(request.envPath, envDelta(this.baseEnv, request.env), { mode: 0o600 });
    const id = this.nextId++;
    // While a block runs, the launcher's answer is what the engine waits for: it must keep the
    // event loop alive (an idle launcher must not, so it is unreferenced again once the block ends).
    this.hold(true);
    return new Promise<LaunchedBlock>((resolveStart, rejectStart) => {
      let exitedResolve!: (code: number) => void;
      let exitedReject!: (error: Error) => void;
      const exited = new Promise<number>((res, rej) => {
        exitedResolve = res;
        exitedReject = rej;
      });
      exited.catch(() => undefined);
      let started = false;
      this.pending = {
        id,
        started: (pid) => {
          started = true;
          resolveStart({ pid, exited });
        },
        exited: (code) => {
          this.pending = undefined;
          this.hold(false);
          exitedResolve(code);
        },
        failed: (error) => {
          this.pending = undefined;
          this.hold(false);
          if (started) exitedReject(error);
          else rejectStart(error);
        },
      };
      const { running } = request;
      const program = request.program === 'bash' ? 'bash' : 'node';
      const fields = [id, program, basename(request.script), basename(request.logPath), basename(request.envPath), running.step, running.role];
      this.child.stdin?.write(`${fields.join('\t')}\n`);
    });
  }

  private hold(on: boolean): void {
    const stdout = this.child.stdout as unknown as { ref?: () => void; unref?: () => void } | null;
    if (on) stdout?.ref?.();
    else stdout?.unref?.();
  }

  /** Ends the launcher (it exits when its input closes). */
  close(): void {
    this.dead = true;
    this.child.stdin?.end();
  }

  private onData(text: string): void {
    this.buffer += text;
    let newline = this.buffer.indexOf('\n');
    while (newline !== -1) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      const [kind, id, value] = line.split(' ');
      const pending = this.pending;
      if (pending && Number(id) === pending.id) {
        if (kind === 'started') pending.started(Number(value));
        else if (kind === 'exit') pending.exited(Number(value));
      }
      newline = this.buffer.indexOf('\n');
    }
  }

  private fail(error: Error): void {
    this.dead = true;
    this.pending?.failed(error);
  }
}

/**
 * The environment changes a block needs over the launcher's own, as NUL-separated entries:
 * `NAME=value` to set, `-NAME` to unset. SHLVL is reset so the block's bash sees what it would
 * see if the engine had started it directly.
 */
export function envDelta(base: NodeJS.ProcessEnv, env: NodeJS.ProcessEnv): string {
  const entries: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && base[key] !== value) entries.push(`${key}=${value}`);
  }
  for (const key of Object.keys(base)) if (env[key] === undefined) entries.push(`-${key}`);
  entries.push(base.SHLVL === undefined ? '-SHLVL' : `SHLVL=${base.SHLVL}`);
  return entries.map((e) => `${e}\0`).join('');
}
