import { emit, type RunContext } from './context.js';
import type { Step } from './parse.js';
import { execBlock, stepRef } from './step.js';

/**
 * Runs the rollback blocks of `steps` in the given order (the caller passes them newest first).
 * Steps without a rollback block are recorded as skipped. Returns false if any rollback failed.
 */
export async function rollBack(ctx: RunContext, steps: readonly Step[], reason: string): Promise<boolean> {
  ctx.journal.sync();
  emit(ctx, { type: 'rollback.start', reason, steps: steps.map((s) => s.index) });
  let clean = true;
  for (const step of steps) {
    const ref = stepRef(step);
    emit(ctx, { type: 'rollback.step.start', step: ref });
    if (!step.rollback) {
      emit(ctx, { type: 'rollback.step.end', step: ref, status: 'skipped', exitCode: null, durationMs: 0, tail: '' });
      continue;
    }
    if (ctx.abandon.aborted) {
      clean = false;
      emit(ctx, { type: 'rollback.step.end', step: ref, status: 'failed', exitCode: null, durationMs: 0, tail: 'rollback abandoned by a second interrupt' });
      continue;
    }
    const result = await execBlock(ctx, step, step.rollback, ctx.abandon);
    const passed = result.exitCode === 0 && !result.timedOut && !result.interrupted;
    if (!passed) clean = false;
    emit(ctx, {
      type: 'rollback.step.end',
      step: ref,
      status: passed ? 'passed' : 'failed',
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      tail: result.tail,
    });
  }
  ctx.journal.sync();
  return clean;
}
