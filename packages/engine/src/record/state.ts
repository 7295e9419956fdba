import type { RunEvent, RunStartEvent } from './events.js';

/** What a journal says about a run, as needed by resume, `runs` and reports. */
export interface RunState {
  start: RunStartEvent;
  ended: boolean;
  status: string;
  /** Steps whose latest outcome is "passed" and that no rollback undid. */
  done: Set<number>;
  /** Outputs recorded by steps that are still done. */
  outputs: Record<string, string>;
  /**
   * A rollback was started and the run did not end: the steps still to roll back, newest first
   * (empty when every rollback block ran but the run was killed before it ended).
   */
  pendingRollback: number[] | undefined;
  /** The step that failed or was in flight when the run stopped. */
  failedStep: number | undefined;
}

export function runState(events: readonly RunEvent[]): RunState | undefined {
  const start = events.find((e): e is RunStartEvent => e.type === 'run.start');
  if (!start) return undefined;
  const done = new Set<number>();
  const outputsByStep = new Map<number, Record<string, string>>();
  let ended = false;
  let status = 'running';
  let rollbackPlan: number[] | undefined;
  const rolledBack = new Set<number>();
  let failedStep: number | undefined;
  /** Background blocks started and not ended: if the run did not end, their steps must run again. */
  const backgroundOf = new Map<string, number>();
  for (const event of events) {
    switch (event.type) {
      case 'run.resume':
        ended = false;
        status = 'running';
        break;
      case 'step.start':
        failedStep = event.step.index;
        break;
      case 'step.end':
        if (event.status === 'passed') {
          done.add(event.step.index);
          outputsByStep.set(event.step.index, event.outputs);
          failedStep = undefined;
        } else {
          done.delete(event.step.index);
          failedStep = event.step.index;
        }
        break;
      case 'rollback.start':
        rollbackPlan = [...event.steps];
        rolledBack.clear();
        break;
      case 'rollback.step.end':
        // An abandoned rollback (a second interrupt) is still owed: resume runs it.
        if (event.abandoned) break;
        rolledBack.add(event.step.index);
        if (event.status === 'passed') {
          done.delete(event.step.index);
          outputsByStep.delete(event.step.index);
        }
        break;
      case 'background.start':
        backgroundOf.set(event.name, event.step.index);
        break;
      case 'background.end':
        backgroundOf.delete(event.name);
        outputsByStep.set(event.step.index, { ...outputsByStep.get(event.step.index), ...event.outputs });
        break;
      case 'run.end':
        ended = true;
        status = event.status;
        if (rollbackPlan?.every((i) => rolledBack.has(i))) rollbackPlan = undefined;
        break;
      default:
        break;
    }
  }
  if (!ended) for (const index of backgroundOf.values()) done.delete(index);
  const pendingRollback = rollbackPlan?.filter((i) => !rolledBack.has(i));
  const outputs: Record<string, string> = {};
  for (const index of [...outputsByStep.keys()].sort((a, b) => a - b)) Object.assign(outputs, outputsByStep.get(index));
  return {
    start,
    ended,
    status: ended ? status : 'interrupted',
    done,
    outputs,
    pendingRollback: pendingRollback && (pendingRollback.length > 0 || !ended) ? pendingRollback : undefined,
    failedStep,
  };
}
