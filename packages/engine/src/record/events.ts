/** The events a run emits, in the journal (`journal.jsonl`) and on stdout with `--json`. */

export type StepStatus = 'passed' | 'failed' | 'skipped';
/**
 * How a run ended. `failed`: a step failed and nothing was rolled back (`--no-rollback`);
 * `internal-error`: the engine itself failed mid-run (a bug), recorded so the run never looks unfinished.
 */
export type RunStatus = 'passed' | 'failed' | 'rolled-back' | 'rollback-failed' | 'interrupted' | 'internal-error';
export type StepPhase = 'run' | 'verify' | 'manual' | 'timeout';

export interface StepRef {
  index: number;
  title: string;
}

interface Base {
  runId: string;
  time: string;
  /** In the journal only: the event's 0-based line number, and the sha256 of the line before it (journal.ts). */
  seq?: number;
  prev?: string;
}

export interface RunStartEvent extends Base {
  type: 'run.start';
  /** `path` as the operator gave it; `location` is absolute, for resume. */
  runbook: {
    id: string;
    path: string;
    location: string;
    title: string;
    hash: string;
    /** Evidence identity (steps-hash.ts): the path relative to the repository root, step hashes, git commit. */
    repoPath?: string;
    stepHashes?: Array<{ index: number; title: string; hash: string }>;
    commit?: string;
    dirty?: boolean;
  };
  params: Record<string, string | null>;
  /** Names of secret params (their values are never written). */
  secretParams: string[];
  /** Where each param's value came from: `--param`, the environment, the default, or unset. */
  paramSources?: Record<string, 'flag' | 'env' | 'default' | 'journal' | 'unset'>;
  operator: string;
  host: string;
  node: string;
  pid: number;
  steps: number;
}

export interface RunResumeEvent extends Base {
  type: 'run.resume';
  pid: number;
  operator: string;
  host: string;
  /** Steps that will not run again. */
  skip: number[];
  force: boolean;
  /** True when the earlier attempt was stopped during a rollback, so this one finishes it. */
  finishRollback: boolean;
  /** A block the killed attempt left running, stopped before this attempt went on. */
  stoppedOrphan?: string;
}

export interface StepStartEvent extends Base {
  type: 'step.start';
  step: StepRef;
  manual: boolean;
  /** A manual step's instructions: its prose, as the operator must read it before confirming. */
  instructions?: string;
}

export interface StepRunEndEvent extends Base {
  type: 'step.run.end';
  step: StepRef;
  exitCode: number | null;
  attempts: number;
  durationMs: number;
}

export interface StepEndEvent extends Base {
  type: 'step.end';
  step: StepRef;
  status: StepStatus;
  phase: StepPhase;
  attempts: number;
  durationMs: number;
  exitCode: number | null;
  outputs: Record<string, string>;
  tail: string;
  error?: string;
  /** How a manual step was confirmed: by the operator at the prompt, or by `--yes`. */
  confirmation?: 'operator' | 'yes-flag' | 'declined' | 'interrupted';
}

export interface StepOutputEvent extends Base {
  type: 'step.output';
  step: StepRef;
  role: 'run' | 'verify' | 'rollback';
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface RollbackStartEvent extends Base {
  type: 'rollback.start';
  reason: string;
  steps: number[];
}

export interface RollbackStepStartEvent extends Base {
  type: 'rollback.step.start';
  step: StepRef;
  /** False for a step without a rollback block (it is recorded as skipped). */
  hasBlock?: boolean;
}

export interface RollbackStepEndEvent extends Base {
  type: 'rollback.step.end';
  step: StepRef;
  status: StepStatus;
  exitCode: number | null;
  durationMs: number;
  tail: string;
  /** Not run, or stopped half-way, because a second interrupt abandoned the rollback: `resume` runs it. */
  abandoned?: boolean;
  error?: string;
}

/** A `run background=NAME` block was started; the run goes on while it runs. */
export interface BackgroundStartEvent extends Base {
  type: 'background.start';
  name: string;
  step: StepRef;
}

/** A background block ended: by itself, awaited, stopped by a step, or stopped by the engine. */
export interface BackgroundEndEvent extends Base {
  type: 'background.end';
  name: string;
  step: StepRef;
  /** `stopped`: the engine or a `stop=` step ended it; `failed`: it failed by itself. */
  status: 'passed' | 'failed' | 'stopped';
  reason: 'ended' | 'awaited' | 'stopped' | 'run-end' | 'failure' | 'interrupt';
  exitCode: number | null;
  durationMs: number;
  outputs: Record<string, string>;
  tail: string;
  error?: string;
}

/** A stop signal arrived: what the engine does about it is said before it does it. */
export interface RunInterruptEvent extends Base {
  type: 'run.interrupt';
  signal: string;
  /** 1 for the first signal, 2 for the second, … */
  count: number;
  /** First: stop the step and roll back (or let a rollback in progress finish); second: abandon the rollback. */
  action: 'stop-and-roll-back' | 'finish-rollback' | 'abandon-rollback' | 'ignored';
  rollbackInProgress: boolean;
}

export interface RunEndEvent extends Base {
  type: 'run.end';
  status: RunStatus;
  exitCode: number;
  durationMs: number;
  outputs: Record<string, string>;
  failedStep?: StepRef;
  error?: string;
}

export type RunEvent =
  | RunStartEvent
  | RunResumeEvent
  | StepStartEvent
  | StepRunEndEvent
  | StepEndEvent
  | StepOutputEvent
  | RollbackStartEvent
  | RollbackStepStartEvent
  | RollbackStepEndEvent
  | RunInterruptEvent
  | BackgroundStartEvent
  | BackgroundEndEvent
  | RunEndEvent;

/** An event as passed to `emit`: the engine adds runId and time. */
export type EventInput = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 'runId' | 'time'> : never) : never;
