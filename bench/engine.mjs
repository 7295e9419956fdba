#!/usr/bin/env node
// Engine benchmarks, each against a baseline measured in the same run (these machines are noisy:
// only the ratios and overheads are evidence, not absolute times).
//   (a) 200 steps of `true` through the engine vs 200 × `bash -c true`
//   (b) one step writing 1 GiB to stdout vs bash writing the same to a file; engine peak RSS
//   (c) `readybook validate` over 1,000 generated runbooks; `readybook --version` vs `node -e 0`
// Usage: pnpm bench [--quick] [--node=/usr/bin/node]
//   --quick: 64 MiB instead of 1 GiB, 200 runbooks instead of 1,000
//   --node:  the Node that runs the engine (default: the one running this script; under `pnpm` that is the
//            pinned Node 24; operators may run the engine on their own Node 20.19+)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchPeakRss } from './peak-rss.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages/engine/bin/readybook.js');
const quick = process.argv.includes('--quick');
const node = process.argv.find((a) => a.startsWith('--node='))?.slice('--node='.length) ?? process.execPath;
const nodeVersion = spawnSync(node, ['-v'], { encoding: 'utf8' }).stdout.trim();
const work = mkdtempSync(join(tmpdir(), 'readybook-bench-'));
const env = { ...process.env, READYBOOK_HOME: join(work, 'home'), NO_COLOR: '1' };
const F = '```';

/** Runs a command, returns wall time in ms and the peak RSS (VmHWM) in MiB of the process itself. */
function timed(cmd, args, options = {}) {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: work, env, stdio: ['ignore', 'ignore', 'pipe'], ...options });
    const peakRss = watchPeakRss(child);
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => {
      const peak = peakRss();
      if (code !== 0) return fail(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`));
      done({ ms: performance.now() - started, peakMiB: peak });
    });
  });
}

async function best(n, fn) {
  const runs = [];
  for (let i = 0; i < n; i += 1) runs.push(await fn());
  return runs.sort((a, b) => a.ms - b.ms)[0];
}
const fmt = (ms) => `${ms.toFixed(0)} ms`;
const rows = [];
const record = (name, value, target, ok) => rows.push({ name, value, target, ok });

// (a) per-step overhead
const STEPS = 200;
const steps = Array.from({ length: STEPS }, (_, i) => `## step ${i + 1}\n${F}sh run\ntrue\n${F}`).join('\n\n');
writeFileSync(join(work, 'steps.md'), `---\ntitle: ${STEPS} steps\n---\n\n${steps}\n`);
writeFileSync(join(work, 'steps.sh'), `for i in $(seq ${STEPS}); do bash -c true; done\n`);
const bashSteps = await best(3, () => timed('bash', ['steps.sh']));
// A second baseline: Node itself spawning the same 200 processes one after another (no engine). The gap
// between it and bash is the cost of forking a Node process, which any Node-based runner pays.
writeFileSync(join(work, 'spawn.mjs'), `import { spawn } from 'node:child_process';\nfor (let i = 0; i < ${STEPS}; i += 1) await new Promise((r) => spawn('bash', ['-c', 'true'], { stdio: 'ignore', detached: true }).on('close', r));\n`);
const nodeSteps = await best(3, () => timed(node, ['spawn.mjs']));
const engineSteps = await best(3, () => timed(node, [bin, 'run', 'steps.md']));
const coldStart = await best(5, () => timed(node, [bin, '--version']));
const nodeStart = await best(5, () => timed(node, ['-e', '0']));
const perStep = (engineSteps.ms - bashSteps.ms) / STEPS;
const perStepNoStart = (engineSteps.ms - coldStart.ms - bashSteps.ms) / STEPS;
console.log(`(a) ${STEPS} steps: engine ${fmt(engineSteps.ms)} vs bash ${fmt(bashSteps.ms)} → ratio ${(engineSteps.ms / bashSteps.ms).toFixed(2)}×, overhead ${perStep.toFixed(2)} ms/step (${perStepNoStart.toFixed(2)} ms/step without the one-off CLI start)`);
const nodeSpawnPerStep = (nodeSteps.ms - nodeStart.ms - bashSteps.ms) / STEPS;
console.log(`    Node spawning the same ${STEPS} processes: ${fmt(nodeSteps.ms)} → ${nodeSpawnPerStep.toFixed(2)} ms/step over bash is Node's own spawn cost; the engine's own share is ${(perStepNoStart - nodeSpawnPerStep).toFixed(2)} ms/step`);
record('per-step overhead (incl. CLI start)', `${perStep.toFixed(2)} ms`, '≤ 5 ms', perStep <= 5);

// (b) 1 GiB of output
const BYTES = quick ? 64 * 1024 * 1024 : 1024 * 1024 * 1024;
writeFileSync(join(work, 'big.md'), `---\ntitle: big output\n---\n\n## write\n${F}sh run\nhead -c ${BYTES} /dev/zero\n${F}\n`);
const bashBig = await best(2, () => timed('bash', ['-c', `head -c ${BYTES} /dev/zero > big.out`]));
rmSync(join(work, 'big.out'), { force: true });
const engineBig = await best(2, async () => {
  const r = await timed(node, [bin, 'run', 'big.md']);
  rmSync(join(work, 'home'), { recursive: true, force: true });
  return r;
});
const ratio = engineBig.ms / bashBig.ms;
const ratioNoStart = (engineBig.ms - coldStart.ms) / bashBig.ms;
console.log(`(b) ${BYTES / 1024 / 1024} MiB to stdout: engine ${fmt(engineBig.ms)} vs bash to a file ${fmt(bashBig.ms)} → ratio ${ratio.toFixed(2)}× (${ratioNoStart.toFixed(2)}× without the one-off CLI start); engine peak RSS ${engineBig.peakMiB.toFixed(0)} MiB`);
record(`${BYTES / 1024 / 1024} MiB output time ratio`, `${ratio.toFixed(2)}×`, '≤ 1.2×', ratio <= 1.2);
record('engine peak RSS while streaming', `${engineBig.peakMiB.toFixed(0)} MiB`, '< 200 MiB', engineBig.peakMiB < 200);

// (c) validate 1,000 runbooks, cold start
const N = quick ? 200 : 1000;
const many = join(work, 'many');
mkdirSync(many);
for (let i = 0; i < N; i += 1) {
  writeFileSync(join(many, `rb-${i}.md`), `---\ntitle: Runbook ${i}\nparams:\n  TARGET: { type: enum, values: [a, b], default: a }\n---\n\nIntro ${i}.\n\n## Check\n${F}sh run timeout=1m\necho ${i}\n${F}\n\n${F}sh verify\ntrue\n${F}\n\n## Undo\n${F}sh run\ntrue\n${F}\n\n${F}sh rollback\ntrue\n${F}\n`);
}
const validate = await best(3, () => timed(node, [bin, 'validate', many]));
console.log(`(c) validate ${N} runbooks: ${fmt(validate.ms)} (${(validate.ms / N).toFixed(2)} ms each)`);
console.log(`    cold start: readybook --version ${fmt(coldStart.ms)} vs node -e 0 ${fmt(nodeStart.ms)} → ratio ${(coldStart.ms / nodeStart.ms).toFixed(2)}×`);
record(`validate ${N} runbooks`, fmt(validate.ms), '≤ 2000 ms', validate.ms <= 2000);
record('cold start vs node -e 0', `${(coldStart.ms / nodeStart.ms).toFixed(2)}×`, 'reported', true);

console.log('\nfigure                               value       target     met');
for (const r of rows) console.log(`${r.name.padEnd(37)}${String(r.value).padEnd(12)}${r.target.padEnd(11)}${r.ok ? 'yes' : 'NO'}`);
console.log(`\nengine on Node ${nodeVersion} (${node}), ${new Date().toISOString()}${quick ? ' (quick mode)' : ''}`);
rmSync(work, { recursive: true, force: true });
spawnSync('true');
