import { join } from 'node:path';
import { DEFAULT_TIMEOUT_MS } from '@readybook/schema';
import { blockEnv, emit, type RunContext } from './context.js';
import type { BackgroundEndEvent } from '../record/events.js';
import type { Block, Step } from '../runbook/parse.js';
import { runBlock, type BlockResult } from './block.js';
import { collectOutputFile } from './step.js';

/** Why a background block ended, as journaled. */
export type EndReason = BackgroundEndEvent['reason'];

/** A background block dead within this long of its start failed to start: its step fails. */
const START_GRACE_MS = 300;

interface Running {
  name: string;
  step: Step;
  block: Block;
  controller: AbortController;
  result: Promise<BlockResult>;
  /** Set when the engine asked it to stop (so its exit is "stopped", not a failure). */
  stopping?: EndReason;
  awaited: boolean;
  end?: BackgroundEndEvent;
  ended: Promise<BackgroundEndEvent>;
}

/** The record of a running background block, so resume can stop one a killed engine left behind. */
export const backgroundRecord = (dir: string, name: string) => join(dir, `background-${name}.json`);

/**
 * Background blocks of one run (ADR 0016): a `run background=NAME` block keeps running while
 * later steps run. Each is started in its own process group and journaled like any block; it ends
 * by itself (`await=NAME` waits for that), is stopped by a later step (`stop=NAME`), or is stopped
 * by the engine at run end, on a failure before the rollback, and on interrupt. Its exit status,
 * tail and outputs are journaled when it ends (`background.end`).
 */
export class Background {
  private readonly running = new Map<string, Running>();

  constructor(private readonly ctx: RunContext) {
    ctx.stop.addEventListener('abort', () => void this.stopAll('interrupt'), { once: true });
  }

  /** Starts a step's background run block; resolves with a problem if it could not start. */
  async start(step: Step, block: Block): Promise<{ error?: string; tail: string }> {
    const ctx = this.ctx;
    const name = block.options.background as string;
    const base = join(ctx.dir, `step-${String(step.index).padStart(2, '0')}-run`);
    const controller = new AbortController();
    const started = performance.now();
    const result = runBlock({
      block,
      scriptPath: `${base}.${block.lang === 'js' ? 'mjs' : 'sh'}`,
      logPath: `${base}.log`,
      cwd: ctx.cwd,
      env: blockEnv(ctx, step.index, `${base}.out`),
      timeoutMs: block.options.timeoutMs ?? DEFAULT_TIMEOUT_MS.run,
      masker: ctx.masker,
      signal: controller.signal,
      fullOutput: ctx.fullOutput,
      running: { path: backgroundRecord(ctx.dir, name), step: step.index, role: 'run' },
      // Live output of a background block would fight the current step's live line: only full
      // output (--json, --verbose) shows it, as output of the step that started it.
      ...(ctx.fullOutput ? { onOutput: (stream: 'stdout' | 'stderr', text: string) => void emit(ctx, { type: 'step.output', step: { index: step.index, title: step.title }, role: 'run', stream, text }) } : {}),
    });
    const entry: Running = { name, step, block, controller, result, awaited: false, ended: undefined as unknown as Promise<BackgroundEndEvent> };
    entry.ended = result.then((r) => this.finish(entry, r, started));
    this.running.set(name, entry);
    emit(ctx, { type: 'background.start', name, step: { index: step.index, title: step.title } });
    const early = await Promise.race([entry.ended, new Promise<undefined>((r) => setTimeout(() => r(undefined), START_GRACE_MS))]);
    if (early && early.status === 'failed') return { error: `background block ${name} failed as it started: ${early.error ?? `exit ${early.exitCode}`}`, tail: early.tail };
    return { tail: '' };
  }

  /** Waits for a background block to end by itself; returns a problem if it failed. */
  async await(name: string): Promise<string | undefined> {
    const entry = this.running.get(name);
    if (!entry) return `background block ${name} was never started in this run`;
    entry.awaited = true;
    const end = await entry.ended;
    return end.status === 'failed' ? `background block ${name} failed: ${end.error ?? `exit ${end.exitCode}`}` : undefined;
  }

  /** Stops a background block (SIGTERM to its group, SIGKILL after a grace) and waits for its record. */
  async stop(name: string, reason: EndReason): Promise<BackgroundEndEvent | undefined> {
    const entry = this.running.get(name);
    if (!entry) return undefined;
    if (!entry.end) {
      entry.stopping ??= reason;
      entry.controller.abort();
    }
    return entry.ended;
  }

  /** Stops every background block still running. */
  async stopAll(reason: EndReason): Promise<void> {
    await Promise.all([...this.running.keys()].map((name) => this.stop(name, reason)));
  }

  /** A background block that failed by itself and that no step awaited yet: its step failed. */
  failure(): { step: Step; error: string } | undefined {
    for (const entry of this.running.values()) {
      if (entry.end?.status === 'failed' && !entry.awaited) {
        entry.awaited = true; // reported once
        return { step: entry.step, error: `background block ${entry.name} failed: ${entry.end.error ?? `exit ${entry.end.exitCode}`}` };
      }
    }
    return undefined;
  }

  private finish(entry: Running, result: BlockResult, started: number): BackgroundEndEvent {
    const ctx = this.ctx;
    const outputs: Record<string, string> = {};
    const problems = collectOutputFile(ctx, join(ctx.dir, `step-${String(entry.step.index).padStart(2, '0')}-run.out`), outputs);
    const stopped = entry.stopping !== undefined && result.interrupted;
    const failedItself = !stopped && (result.exitCode !== 0 || result.timedOut || result.error !== undefined || problems.length > 0);
    const error = failedItself
      ? result.timedOut
        ? `timed out after ${Math.round((entry.block.options.timeoutMs ?? DEFAULT_TIMEOUT_MS.run) / 1000)}s; its process tree was killed`
        : (result.error ?? (problems.length > 0 ? problems.join('; ') : `exited with code ${result.exitCode}`))
      : undefined;
    entry.end = emit(ctx, {
      type: 'background.end',
      name: entry.name,
      step: { index: entry.step.index, title: entry.step.title },
      status: stopped ? 'stopped' : failedItself ? 'failed' : 'passed',
      reason: entry.stopping ?? (entry.awaited ? 'awaited' : 'ended'),
      exitCode: result.exitCode,
      durationMs: Math.round(performance.now() - started),
      outputs,
      tail: result.tail,
      ...(error ? { error } : {}),
    }) as BackgroundEndEvent;
    return entry.end;
  }
}
