import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { readSandboxEnv } from './env-file.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const RUNBOOKS = join(REPO, 'runbooks');
// READYBOOK_CLI runs the tests against another build of the CLI (e.g. a copy, while the engine is rebuilt).
const CLI = process.env.READYBOOK_CLI || join(REPO, 'packages/engine/bin/readybook.js');
const SANDBOX_SH = join(REPO, 'packages/sandbox/bin/sandbox.sh');

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  /** A temp directory: the working directory of every readybook run (its .readybook/ is READYBOOK_HOME). */
  cwd: string;
  /** The sandbox directory, `<cwd>/.sandbox`. */
  dir: string;
  env: Record<string, string>;
  /** Runs `readybook <args>` in `cwd`. */
  readybook(args: string[]): Promise<Result>;
  /** Runs runbook NAME with --yes, the sandbox and the given params. */
  run(name: string, params?: Record<string, string | number>, extra?: string[]): Promise<Result>;
  /** Starts runbook NAME with --json; `started` resolves once its run.start event is out (it holds the lock). */
  start(name: string, params?: Record<string, string | number>): { started: Promise<void>; done: Promise<Result> };
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  http(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  down(): void;
}

export function engineBuilt(): boolean {
  return existsSync(join(REPO, 'packages/engine/dist/bundle/cli.mjs'));
}

function exec(command: string, args: string[], cwd: string, onStdout?: (soFar: string) => void): Promise<Result> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      onStdout?.(stdout);
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Brings up a sandbox in a fresh temp directory. */
export function sandboxUp(): Sandbox {
  if (!engineBuilt()) throw new Error('the engine is not built: run `pnpm build` at the repository root first');
  const cwd = mkdtempSync(join(tmpdir(), 'readybook-sandbox-test-'));
  const dir = join(cwd, '.sandbox');
  const up = spawnSync('bash', [SANDBOX_SH, 'up', dir], { encoding: 'utf8' });
  if (up.status !== 0) throw new Error(`sandbox.sh up failed (${up.status}): ${up.stderr}`);
  const env = readSandboxEnv(dir);
  const readybook = (args: string[], onStdout?: (soFar: string) => void) => exec(process.execPath, [CLI, ...args], cwd, onStdout);
  const runArgs = (name: string, params: Record<string, string | number>) => [
    'run',
    join(RUNBOOKS, `${name}.md`),
    '--yes',
    ...Object.entries({ SANDBOX: dir, ...params }).flatMap(([key, value]) => ['--param', `${key}=${value}`]),
  ];
  return {
    cwd,
    dir,
    env,
    readybook,
    run(name, params = {}, extra = []) {
      return readybook([...runArgs(name, params), ...extra]);
    },
    start(name, params = {}) {
      let signal: () => void = () => {};
      const started = new Promise<void>((resolve) => (signal = resolve));
      const done = readybook([...runArgs(name, params), '--json'], (soFar) => {
        if (soFar.includes('"type":"run.start"')) signal();
      });
      void done.then(() => signal());
      return { started, done };
    },
    async query(sql) {
      const client = new pg.Client({ host: '127.0.0.1', port: Number(env.PGPORT), user: 'postgres', database: 'app' });
      await client.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        await client.end();
      }
    },
    async http(method, path, body) {
      const res = await fetch(`http://127.0.0.1:${env.SERVICE_PORT}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let json: unknown = text;
      try {
        json = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: json };
    },
    down() {
      spawnSync('bash', [SANDBOX_SH, 'down', dir], { encoding: 'utf8' });
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

/** The outputs table of a run, from `readybook report <id> --format json`. */
export async function outputsOf(sandbox: Sandbox, runId: string): Promise<Record<string, string>> {
  const report = await sandbox.readybook(['report', runId, '--format', 'json']);
  if (report.code !== 0) throw new Error(`readybook report failed: ${report.stderr}`);
  return JSON.parse(report.stdout).outputs;
}

/** The run id a `--json` run printed in its run.start event. */
export function runIdOf(jsonLines: string): string {
  for (const line of jsonLines.split('\n')) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line);
    if (event.type === 'run.start') return event.runId;
  }
  throw new Error(`no run.start event in:\n${jsonLines}`);
}

export const show = (result: Result) => `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
