/**
 * Load scenarios, shared by the CI sizes (test/load.test.ts) and the heavy ones (slow/load.test.ts).
 */
import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import { BIN, cli, cliMeasured, fence, NODE, runbook, workspace, type CliResult } from './harness.js';

/** `n` runs of one runbook started together: exactly one runs, every other one is refused with exit 4. */
export async function concurrentSameRunbook(n: number) {
  const ws = workspace('rb-lock-');
  // The run holds the lock until the test releases it, after every other attempt has ended: on a slow
  // machine the attempts then still overlap, however long they take to start.
  ws.write('slow.md', runbook('title: Slow', `## Hold the lock\n\n${fence}sh run timeout=10m\necho started >> ran.txt\nwhile [ ! -f release ]; do sleep 0.1; done\n${fence}\n`));
  let ended = 0;
  const release = () => ws.write('release', '');
  const safety = setTimeout(release, 300_000);
  const results = await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<CliResult>((done) => {
        const child = spawn(NODE, [BIN, 'run', 'slow.md'], { cwd: ws.dir, env: ws.env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c) => (stdout += c));
        child.stderr.on('data', (c) => (stderr += c));
        child.on('close', (code, signal) => {
          ended += 1;
          if (ended === n - 1) release();
          done({ code: code ?? -1, signal, stdout, stderr, ms: 0 });
        });
      }),
    ),
  );
  clearTimeout(safety);
  const codes = results.map((r) => r.code);
  const ran = codes.filter((c) => c === 0).length;
  const refused = results.filter((r) => r.code === 4);
  expect(ran, `exit codes: ${codes.join(' ')}`).toBe(1);
  expect(refused.length, `exit codes: ${codes.join(' ')}\n${results.find((r) => r.code !== 0 && r.code !== 4)?.stderr ?? ''}`).toBe(n - 1);
  for (const r of refused) expect(r.stderr).toMatch(/RB050.*locked by run \S+ \(pid \d+/);
  expect(ws.read('ran.txt')).toBe('started\n');
  return { attempts: n, ran, refused: refused.length };
}

/** `n` different runbooks at once: all pass, none blocks another. */
export async function differentRunbooks(n: number) {
  const ws = workspace('rb-many-');
  for (let i = 0; i < n; i += 1) {
    ws.write(`rb${i}.md`, runbook(`title: Runbook ${i}`, `## Work\n\n${fence}sh run\nsleep 1\necho ${i} > out-${i}.txt\n${fence}\n\n${fence}sh verify\ntest -s out-${i}.txt\n${fence}\n`, `## More work\n\n${fence}sh run\necho done\n${fence}\n`));
  }
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: n }, (_, i) => cli(['run', `rb${i}.md`, '--json'], { cwd: ws.dir, env: ws.env, timeout: 600_000 })));
  for (const [i, r] of results.entries()) expect(r.code, `rb${i}: ${r.stderr}`).toBe(0);
  return { held: n, wallMs: Math.round(performance.now() - started) };
}

/**
 * A runbook of `steps` steps (every `every`-th runs a command, the others are manual, confirmed
 * by --yes, so the engine's own bookkeeping, not process start-up, dominates).
 */
export async function manySteps(steps: number, every: number) {
  const ws = workspace('rb-steps-');
  const parts = Array.from({ length: steps }, (_, i) =>
    i % every === 0 ? `## Step ${i + 1}\n\n${fence}sh run\necho step ${i + 1}\n${fence}\n` : `## Step ${i + 1}\n\nConfirm it.\n`,
  );
  ws.write('many.md', runbook('title: Many steps', ...parts));
  const r = await cliMeasured(['run', 'many.md', '--yes'], { cwd: ws.dir, env: ws.env, timeout: 1_800_000 });
  expect(r.code, r.stderr).toBe(0);
  const report = await cli(['report', 'latest', '--format', 'json'], { cwd: ws.dir, env: ws.env });
  expect(JSON.parse(report.stdout).steps).toHaveLength(steps);
  return { steps, ms: Math.round(r.ms), peakRssMiB: Math.round(r.peakRssKiB / 1024) };
}

/** A step that writes `mib` MiB of output: it is streamed to the log, never held in memory. */
export async function bigOutput(mib: number) {
  const ws = workspace('rb-big-');
  ws.write('big.md', runbook('title: Big output', `## Write a lot\n\n${fence}sh run timeout=30m\n{ yes 'readybook reliability output line, 64 bytes of it, over again' || true; } | head -c ${mib}M\necho\necho finished\n${fence}\n`));
  const r = await cliMeasured(['run', 'big.md'], { cwd: ws.dir, env: ws.env, timeout: 1_800_000 });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/finished/);
  return { mib, ms: Math.round(r.ms), peakRssMiB: Math.round(r.peakRssKiB / 1024) };
}

/** Peak memory of the smallest possible run, as the baseline the others are compared with. */
export async function baseline() {
  const ws = workspace('rb-base-');
  ws.write('one.md', runbook('title: One', `## One\n\n${fence}sh run\necho one\n${fence}\n`));
  const r = await cliMeasured(['run', 'one.md'], { cwd: ws.dir, env: ws.env });
  expect(r.code).toBe(0);
  return Math.round(r.peakRssKiB / 1024);
}
