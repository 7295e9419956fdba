import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '../bin/readybook.js');
/** The Node that runs the CLI under test: READYBOOK_TEST_NODE checks the engine on another Node (e.g. 20). */
export const NODE = process.env.READYBOOK_TEST_NODE ?? process.execPath;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A scratch folder with its own READYBOOK_HOME. */
export function workspace(): { dir: string; home: string; write(name: string, text: string): string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'readybook-test-'));
  const home = join(dir, '.readybook');
  return {
    dir,
    home,
    env: { ...process.env, READYBOOK_HOME: home, NO_COLOR: '1' },
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}

/** Runs the real CLI (the built bin) synchronously. */
export function cli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; timeout?: number }): CliResult {
  const result = spawnSync(NODE, [BIN, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: options.timeout ?? 60_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the CLI asynchronously, e.g. to race two runs or kill one. */
export function cliAsync(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const child = spawn(NODE, [BIN, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr })));
  return { child, done, output: () => stdout };
}

export function events(stdout: string): Array<Record<string, any>> {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

export function onlyRunDir(home: string): string {
  const runs = readdirSync(join(home, 'runs'));
  if (runs.length !== 1) throw new Error(`expected one run, found ${runs.length}`);
  return join(home, 'runs', runs[0] as string);
}

export function readAll(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

/** A runbook source from frontmatter lines and step sections. */
export function runbook(front: string, ...steps: string[]): string {
  return `---\n${front}\n---\n\n${steps.join('\n\n')}\n`;
}

export const fence = '```';
