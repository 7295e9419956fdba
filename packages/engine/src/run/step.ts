import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_RETRY_DELAY_MS, DEFAULT_TIMEOUT_MS, formatDuration } from '@readybook/schema';
import { blockEnv, emit, type RunContext } from './context.js';
import type { StepEndEvent, StepPhase, StepRef } from '../record/events.js';
import { clearRunning, runningPath } from './orphan.js';
import { readOutputs } from './outputs.js';
import type { Block, Step } from '../runbook/parse.js';
import { runBlock, TAIL_BYTES, type BlockResult } from './block.js';

export function stepRef(step: Step): StepRef {
  return { index: step.index, title: step.title };
}

function fileBase(ctx: RunContext, step: Step, role: Block['role']): string {
  return join(ctx.dir, `step-${String(step.index).padStart(2, '0')}-${role}`);
}

/** Runs one block with its timeout, streaming output as events. */
export async function execBlock(ctx: RunContext, step: Step, block: Block, signal: AbortSignal): Promise<BlockResult> {
  const base = fileBase(ctx, step, block.role);
  const result = await runBlock({
    block,
    scriptPath: `${base}.${block.lang === 'js' ? 'mjs' : 'sh'}`,
    logPath: `${base}.log`,
    cwd: ctx.cwd,
    env: blockEnv(ctx, step.index, `${base}.out`),
    timeoutMs: block.options.timeoutMs ?? DEFAULT_TIMEOUT_MS[block.role],
    masker: ctx.masker,
    signal,
    fullOutput: ctx.fullOutput,
    launcher: ctx.launcher,
    running: { path: runningPath(ctx.dir), step: step.index, role: block.role },
    ...(ctx.liveOutput ? { onOutput: (stream: 'stdout' | 'stderr', text: string) => void emit(ctx, { type: 'step.output', step: stepRef(step), role: block.role, stream, text }) } : {}),
  });
  clearRunning(ctx.dir);
  return result;
}

/** Collects the outputs a block wrote; an output that contains a secret becomes a secret itself. */
function collectOutputs(ctx: RunContext, step: Step, block: Block, into: Record<string, string>): string[] {
  return collectOutputFile(ctx, `${fileBase(ctx, step, block.role)}.out`, into);
}

/** Reads a block's `$READYBOOK_OUTPUT` file into the run's outputs (and `into`), then masks the file on disk. */
export function collectOutputFile(ctx: RunContext, file: string, into: Record<string, string>): string[] {
  const { outputs, problems } = readOutputs(file);
  for (const [key, value] of Object.entries(outputs)) {
    if (ctx.masker.contains(value)) ctx.masker.add(value);
    into[key] = value;
    ctx.outputs[key] = value;
  }
  // The block wrote raw values; keep only the masked record on disk.
  if (existsSync(file)) writeFileSync(file, ctx.masker.mask(readFileSync(file, 'utf8')), { mode: 0o600 });
  return problems;
}

export function describeFailure(role: string, result: BlockResult, timeoutMs: number): string {
  if (result.interrupted) return `the ${role} block was interrupted; its process tree was stopped`;
  if (result.error) return `the ${role} block failed: ${result.error}`;
  if (result.timedOut) return `the ${role} block timed out after ${formatDuration(timeoutMs)}; its process tree was killed`;
  if (result.signal) return `the ${role} block was killed by ${result.signal}`;
  return `the ${role} block exited with code ${result.exitCode}`;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

const failed = (result: BlockResult) => result.exitCode !== 0 || result.timedOut || result.interrupted;

/** Runs a block, and again up to its `retries` times, waiting `delay` between attempts. */
async function execWithRetries(ctx: RunContext, step: Step, block: Block): Promise<{ result: BlockResult; attempts: number }> {
  const retries = block.options.retries ?? 0;
  for (let attempts = 1; ; attempts += 1) {
    const result = await execBlock(ctx, step, block, ctx.stop);
    if (!failed(result) || ctx.stop.aborted || attempts > retries) return { result, attempts };
    await sleep(block.options.delayMs ?? DEFAULT_RETRY_DELAY_MS, ctx.stop);
  }
}

/** Before a block runs: waits for (`await=`) or stops (`stop=`) the background block it names. */
async function settleBackground(ctx: RunContext, block: Block): Promise<string | undefined> {
  if (!ctx.background) return undefined;
  if (block.options.stop !== undefined) await ctx.background.stop(block.options.stop, 'stopped');
  if (block.options.await !== undefined) return ctx.background.await(block.options.await);
  return undefined;
}

/**
 * Runs a step: the run block (with retries), then the verify block. A manual step (no run block)
 * asks the operator to confirm, then runs its verify block if it has one.
 */
export async function runStep(ctx: RunContext, step: Step): Promise<StepEndEvent> {
  const started = performance.now();
  const ref = stepRef(step);
  emit(ctx, { type: 'step.start', step: ref, manual: step.manual, ...(step.manual ? { instructions: step.description.trim() } : {}) });
  const outputs: Record<string, string> = {};
  let attempts = 0;
  let exitCode: number | null = null;
  let tail = '';
  let phase: StepPhase = step.manual ? 'manual' : 'run';
  let error: string | undefined;
  let confirmation: StepEndEvent['confirmation'];

  const end = (status: StepEndEvent['status']): StepEndEvent =>
    emit(ctx, {
      type: 'step.end',
      step: ref,
      status,
      phase,
      attempts,
      durationMs: Math.round(performance.now() - started),
      exitCode,
      outputs,
      tail,
      ...(error ? { error } : {}),
      ...(confirmation ? { confirmation } : {}),
    }) as StepEndEvent;

  if (step.run) {
    const settled = await settleBackground(ctx, step.run);
    if (settled) {
      error = settled;
      return end('failed');
    }
  }
  if (step.run?.options.background !== undefined && ctx.background) {
    attempts = 1;
    const started = await ctx.background.start(step, step.run);
    tail = started.tail;
    if (started.error) {
      error = started.error;
      return end('failed');
    }
  } else if (step.run) {
    const { result: last, attempts: tried } = await execWithRetries(ctx, step, step.run);
    attempts = tried;
    exitCode = last.exitCode;
    tail = last.tail;
    emit(ctx, { type: 'step.run.end', step: ref, exitCode, attempts, durationMs: Math.round(performance.now() - started) });
    const problems = collectOutputs(ctx, step, step.run, outputs);
    if (failed(last)) {
      if (last.timedOut) phase = 'timeout';
      error = describeFailure('run', last, step.run.options.timeoutMs ?? DEFAULT_TIMEOUT_MS.run);
      return end('failed');
    }
    if (problems.length > 0) {
      error = problems.join('; ');
      return end('failed');
    }
  } else {
    attempts = 1;
    const answer = ctx.yes ? 'yes' : ctx.stop.aborted ? 'interrupted' : await ctx.confirm(step, ctx.stop);
    confirmation = ctx.yes ? 'yes-flag' : answer === 'yes' ? 'operator' : answer === 'no' ? 'declined' : 'interrupted';
    if (answer === 'interrupted') {
      // Ctrl-C at the prompt: the same as Ctrl-C anywhere else in the run.
      ctx.interrupt();
      error = 'interrupted at the manual step\'s prompt';
      return end('failed');
    }
    if (answer === 'no') {
      error = 'the operator did not confirm the manual step';
      return end('failed');
    }
  }

  if (step.verify) {
    phase = 'verify';
    const settled = await settleBackground(ctx, step.verify);
    if (settled) {
      error = settled;
      return end('failed');
    }
    const { result: last } = await execWithRetries(ctx, step, step.verify);
    tail = [tail, last.tail].filter(Boolean).join('\n').slice(-TAIL_BYTES);
    const problems = collectOutputs(ctx, step, step.verify, outputs);
    if (failed(last)) {
      exitCode = last.exitCode;
      error = describeFailure('verify', last, step.verify.options.timeoutMs ?? DEFAULT_TIMEOUT_MS.verify);
      return end('failed');
    }
    if (problems.length > 0) {
      error = problems.join('; ');
      return end('failed');
    }
  }
  return end('passed');
}
