import { emit, type RunContext } from './context.js';
import type { Step } from '../runbook/parse.js';
import { DEFAULT_TIMEOUT_MS } from '@readybook/schema';
import { describeFailure, execBlock, stepRef } from './step.js';

export interface RollbackResult {
  /** Every rollback block that ran passed, and none was abandoned. */
  clean: boolean;
  /** Some rollback block failed (not counting those abandoned). */
  failed: boolean;
  /** A second interrupt abandoned the rollback of these steps: `resume` finishes them. */
  abandoned: number[];
}

/**
 * Runs the rollback blocks of `steps` in the given order (the caller passes them newest first).
 * Steps without a rollback block are recorded as skipped. A second interrupt abandons the rest:
 * they are journaled as abandoned, so `resume` knows the rollback is unfinished.
 */
export async function rollBack(ctx: RunContext, steps: readonly Step[], reason: string): Promise<RollbackResult> {
  ctx.journal.sync();
  emit(ctx, { type: 'rollback.start', reason, steps: steps.map((s) => s.index) });
  let failed = false;
  const abandoned: number[] = [];
  for (const step of steps) {
    const ref = stepRef(step);
    if (!step.rollback) {
      emit(ctx, { type: 'rollback.step.start', step: ref, hasBlock: false });
      emit(ctx, { type: 'rollback.step.end', step: ref, status: 'skipped', exitCode: null, durationMs: 0, tail: '' });
      continue;
    }
    if (ctx.abandon.aborted) {
      abandoned.push(step.index);
      emit(ctx, { type: 'rollback.step.end', step: ref, status: 'failed', abandoned: true, exitCode: null, durationMs: 0, tail: '', error: 'not run: the rollback was abandoned by a second interrupt' });
      continue;
    }
    emit(ctx, { type: 'rollback.step.start', step: ref, hasBlock: true });
    const result = await execBlock(ctx, step, step.rollback, ctx.abandon);
    if (result.interrupted) {
      // Stopped half-way by the second interrupt: it must run again, whole, on resume.
      abandoned.push(step.index);
      emit(ctx, { type: 'rollback.step.end', step: ref, status: 'failed', abandoned: true, exitCode: result.exitCode, durationMs: result.durationMs, tail: result.tail, error: 'stopped by a second interrupt before it finished' });
      continue;
    }
    const passed = result.exitCode === 0 && !result.timedOut && !result.error;
    if (!passed) failed = true;
    emit(ctx, {
      type: 'rollback.step.end',
      step: ref,
      status: passed ? 'passed' : 'failed',
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      tail: result.tail,
      ...(passed ? {} : { error: describeFailure('rollback', result, step.rollback.options.timeoutMs ?? DEFAULT_TIMEOUT_MS.rollback) }),
    });
  }
  ctx.journal.sync();
  return { clean: !failed && abandoned.length === 0, failed, abandoned };
}
