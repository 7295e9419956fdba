import { describe, expect, it } from 'vitest';
import type { RunEvent } from './events.js';
import { runState } from './state.js';

const start = { type: 'run.start', runId: 'r', time: 't', runbook: { id: 'x', path: 'x.md', location: '/x.md', title: 'X', hash: 'h' }, params: {}, secretParams: [], operator: 'o', host: 'h', node: 'v', pid: 1, steps: 3 } as const;
const ref = (index: number) => ({ index, title: `s${index}` });
const stepEnd = (index: number, status: 'passed' | 'failed', outputs: Record<string, string> = {}) =>
  ({ type: 'step.end', runId: 'r', time: 't', step: ref(index), status, phase: 'run', attempts: 1, durationMs: 1, exitCode: status === 'passed' ? 0 : 1, outputs, tail: '' }) as RunEvent;

describe('runState (what resume continues from)', () => {
  it('a run killed mid-step: passed steps are done, the in-flight step is not', () => {
    const state = runState([start, stepEnd(1, 'passed', { A: '1' }), { type: 'step.start', runId: 'r', time: 't', step: ref(2), manual: false }] as RunEvent[]);
    expect(state).toMatchObject({ ended: false, status: 'interrupted', failedStep: 2, outputs: { A: '1' } });
    expect([...(state?.done ?? [])]).toEqual([1]);
  });

  it('a run killed mid-rollback: the remaining rollback is pending', () => {
    const events = [
      start,
      stepEnd(1, 'passed'),
      stepEnd(2, 'passed'),
      stepEnd(3, 'failed'),
      { type: 'rollback.start', runId: 'r', time: 't', reason: 'x', steps: [3, 2, 1] },
      { type: 'rollback.step.end', runId: 'r', time: 't', step: ref(3), status: 'skipped', exitCode: null, durationMs: 0, tail: '' },
      { type: 'rollback.step.end', runId: 'r', time: 't', step: ref(2), status: 'passed', exitCode: 0, durationMs: 0, tail: '' },
    ] as RunEvent[];
    const state = runState(events);
    expect(state?.pendingRollback).toEqual([1]);
    expect([...(state?.done ?? [])]).toEqual([1]);
  });

  it('a finished rollback undoes the steps it compensated', () => {
    const events = [
      start,
      stepEnd(1, 'passed', { A: '1' }),
      stepEnd(2, 'failed'),
      { type: 'rollback.start', runId: 'r', time: 't', reason: 'x', steps: [2, 1] },
      { type: 'rollback.step.end', runId: 'r', time: 't', step: ref(2), status: 'skipped', exitCode: null, durationMs: 0, tail: '' },
      { type: 'rollback.step.end', runId: 'r', time: 't', step: ref(1), status: 'passed', exitCode: 0, durationMs: 0, tail: '' },
      { type: 'run.end', runId: 'r', time: 't', status: 'rolled-back', exitCode: 1, durationMs: 1, outputs: {} },
    ] as RunEvent[];
    const state = runState(events);
    expect(state).toMatchObject({ ended: true, status: 'rolled-back', pendingRollback: undefined, outputs: {} });
    expect(state?.done.size).toBe(0);
  });
});
