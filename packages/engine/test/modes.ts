import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, NODE } from './helpers.js';

/**
 * The three ways people see a run: `--json` for programs, human output piped to a file (CI logs,
 * `> run.log`), and human output on a real terminal (a pseudo-terminal from util-linux `script`).
 * Every behaviour test of run/resume/check runs in all three.
 */
export type Mode = 'json' | 'piped' | 'pty';
export const MODES: readonly Mode[] = ['json', 'piped', 'pty'];

export interface ModeRun {
  /** Resolves when the CLI has exited. */
  done: Promise<ModeResult>;
  /** Sends a signal to the engine process itself. */
  signal(name: NodeJS.Signals): void;
  /** Types into the terminal (pty mode only): `\u0003` is Ctrl-C. */
  type(keys: string): void;
  /** What the CLI printed so far (stdout and stderr as one stream, as a person sees it). */
  output(): string;
}

export interface ModeResult {
  code: number;
  /** Everything printed (stdout + stderr), raw. */
  raw: string;
  /** For pty: the terminal's final screen lines; otherwise the raw text. */
  screen: string;
  /** The stdout JSON events (json mode only). */
  events: Array<Record<string, any>>;
}

export interface ModeOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Terminal width in pty mode. */
  columns?: number;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Starts the real CLI in one of the three modes. */
export function startIn(mode: Mode, args: string[], options: ModeOptions): ModeRun {
  const env = { ...options.env, NO_COLOR: '1', TERM: 'xterm' };
  const argv = mode === 'json' ? [...args, '--json'] : args;
  let out = '';
  let enginePid: number | undefined;
  let child: ReturnType<typeof spawn>;
  let logFile: string | undefined;
  if (mode === 'pty') {
    // `stty` sets the terminal's size; `exec` makes the engine the pty's foreground process, so
    // Ctrl-C typed at the terminal reaches it as SIGINT, as it would for a person.
    const command = `stty cols ${options.columns ?? 100} rows 40; echo "PID=$$"; exec ${[NODE, BIN, ...argv].map(quote).join(' ')}`;
    child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (enginePid === undefined) {
        const m = /PID=(\d+)\r?\n/.exec(out);
        if (m) {
          enginePid = Number(m[1]);
          out = out.slice(m.index + m[0].length);
        }
      }
    });
    child.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  } else if (mode === 'piped') {
    // Human output to a real file, as `readybook run x.md > run.log 2>&1` does.
    logFile = join(options.cwd, `.cli-output-${process.hrtime.bigint()}.log`);
    const fd = openSync(logFile, 'w');
    child = spawn(NODE, [BIN, ...argv], { cwd: options.cwd, env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    enginePid = child.pid;
  } else {
    child = spawn(NODE, [BIN, ...argv], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')));
    enginePid = child.pid;
  }
  const output = () => (logFile && existsSync(logFile) ? readFileSync(logFile, 'utf8') : out);
  const done = new Promise<ModeResult>((resolve) => {
    child.on('close', (code, signal) => {
      const raw = output();
      const events: Array<Record<string, any>> = [];
      if (mode === 'json') {
        // JSON lines for run/resume; commands that print one JSON document (check) parse as none.
        for (const line of raw.split('\n')) {
          if (!line.startsWith('{')) continue;
          try {
            events.push(JSON.parse(line));
          } catch {
            // not a JSON line
          }
        }
      }
      resolve({ code: code ?? (signal ? 128 : -1), raw, screen: mode === 'pty' ? renderScreen(raw) : raw, events });
    });
  });
  return {
    done,
    signal(name) {
      if (enginePid !== undefined) process.kill(enginePid, name);
    },
    type(keys) {
      child.stdin?.write(keys);
    },
    output,
  };
}

export function runIn(mode: Mode, args: string[], options: ModeOptions): Promise<ModeResult> {
  return startIn(mode, args, options).done;
}

/**
 * The lines a terminal shows at the end: carriage returns move to the line start, `ESC[2K`
 * clears the line, other escapes are dropped. Enough to see what a person sees after a run.
 */
export function renderScreen(raw: string): string {
  const lines: string[] = [];
  let line: string[] = [];
  let col = 0;
  const text = raw.replace(/\r\n/g, '\n');
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (ch === '\u001b') {
      const m = /^\u001b\[([0-9;?]*)([A-Za-z])/.exec(text.slice(i));
      if (m) {
        if (m[2] === 'K' && m[1] === '2') {
          line = [];
        } else if (m[2] === 'G') {
          col = Math.max(0, Number(m[1] || 1) - 1);
        }
        i += m[0].length - 1;
        continue;
      }
      continue;
    }
    if (ch === '\r') {
      col = 0;
      continue;
    }
    if (ch === '\n') {
      lines.push(line.join('').trimEnd());
      line = [];
      col = 0;
      continue;
    }
    line[col] = ch;
    col += 1;
  }
  if (line.length > 0) lines.push(line.join('').trimEnd());
  return lines.join('\n');
}

/** Masks what changes between runs (ids, times, durations, paths, users) so human output can be pinned. */
export function normalise(text: string, dir: string): string {
  return text
    .split(dir)
    .join('<ws>')
    .replace(/\d{8}T\d{6}Z-[a-z0-9-]+-[0-9a-f]{6}/g, '<run-id>')
    .replace(/\b\d+(\.\d+)?(ms|s)\b/g, '<t>')
    .replace(/\b\d+m \d+s\b/g, '<t>')
    .replace(/ by \S+ on \S+/g, ' by <user> on <host>')
    .replace(/\(pid \d+/g, '(pid <pid>')
    .replace(/process group \d+/g, 'process group <pid>')
    .replace(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/g, '<spin>')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();
}

/** The journal events of the only run in `home` (or of `runId`). */
export function journalOf(home: string, runId?: string): Array<Record<string, any>> {
  const runs = join(home, 'runs');
  const id = runId ?? (readdirSync(runs).length === 1 ? readdirSync(runs)[0] : undefined);
  if (!id) throw new Error(`expected one run in ${runs}, found ${readdirSync(runs).length}`);
  return readFileSync(join(runs, id, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

export function reportOf(home: string, runId: string): Record<string, any> {
  return JSON.parse(readFileSync(join(home, 'runs', runId, 'report.json'), 'utf8'));
}

/** Waits until `predicate` holds, polling (process start-up on a busy machine can take seconds). */
export async function until(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}
