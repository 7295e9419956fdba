import { hostname, userInfo } from 'node:os';
import { dirname } from 'node:path';
import type { EventInput, RunEvent } from '../record/events.js';
import type { Background } from './background.js';
import type { Journal } from '../record/journal.js';
import type { Launcher } from './launcher.js';
import type { Masker } from './mask.js';
import type { Runbook, Step } from '../runbook/parse.js';
import type { ResolvedParam } from '../runbook/params.js';

/** Asks the operator to confirm a manual step; Ctrl-C at the prompt (or `signal` aborting) answers `interrupted`. */
export type Confirm = (step: Step, signal: AbortSignal) => Promise<'yes' | 'no' | 'interrupted'>;

/** What a run needs while it executes, shared by the step, rollback and orchestration modules. */
export interface RunContext {
  runId: string;
  dir: string;
  runbook: Runbook;
  /** Absolute path of the runbook file. */
  path: string;
  cwd: string;
  baseEnv: NodeJS.ProcessEnv;
  params: ResolvedParam[];
  outputs: Record<string, string>;
  masker: Masker;
  journal: Journal;
  yes: boolean;
  confirm: Confirm;
  /** Interrupts the run as Ctrl-C does (Ctrl-C at a prompt reaches the prompt, not the engine). */
  interrupt: () => void;
  onEvent: (event: RunEvent) => void;
  /** Emit every byte of step output as events (--json, --verbose), not just the live tail. */
  fullOutput: boolean;
  /** Whether anything shows step output live (a terminal's spinner, --json, --verbose). */
  liveOutput: boolean;
  /** Aborted by the first Ctrl-C / SIGTERM: stops the running step. */
  stop: AbortSignal;
  /** Aborted by a second Ctrl-C / SIGTERM: abandons the rollback too. */
  abandon: AbortSignal;
  /** The run's background blocks (set by execute). */
  background?: Background;
  /** Starts blocks whose output needs no masking (absent when there are secrets, or READYBOOK_LAUNCHER=0). */
  launcher?: Launcher;
}

/** Adds runId and time, masks secrets in its content, appends to the journal (except live output) and notifies. */
export function emit(ctx: RunContext, input: EventInput): RunEvent {
  const event = ctx.masker.maskFields({ ...input, runId: ctx.runId, time: new Date().toISOString() } as RunEvent, CONTENT_FIELDS[input.type] ?? []);
  // Events are not kept in memory: the reports are built from the journal at the end of the run.
  if (event.type !== 'step.output') ctx.journal.append(event);
  ctx.onEvent(event);
  return event;
}

/**
 * The fields of each event that carry what steps, params and outputs produced: the only ones a
 * secret is masked in. Everything else is the engine's own structure (see Masker.maskFields).
 */
export const CONTENT_FIELDS: Partial<Record<RunEvent['type'], readonly string[]>> = {
  'run.start': ['params'],
  'step.start': ['instructions'],
  'step.output': ['text'],
  'step.end': ['outputs', 'tail', 'error'],
  'rollback.start': ['reason'],
  'rollback.step.end': ['tail', 'error'],
  'run.end': ['outputs', 'error'],
  'background.end': ['outputs', 'tail', 'error'],
};

export function operatorName(env: NodeJS.ProcessEnv): string {
  try {
    return env.READYBOOK_OPERATOR ?? userInfo().username;
  } catch {
    return env.USER ?? 'unknown';
  }
}

export function hostName(): string {
  return hostname();
}

/** The environment of every block: the engine's own, params, outputs so far, and READYBOOK_* facts. */
export function blockEnv(ctx: RunContext, stepIndex: number, outputFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...ctx.baseEnv };
  const paramNames: string[] = [];
  for (const param of ctx.params) {
    if (param.value !== undefined) {
      env[param.name] = param.value;
      paramNames.push(param.name);
    } else {
      delete env[param.name];
    }
  }
  Object.assign(env, ctx.outputs);
  env.READYBOOK_RUN_ID = ctx.runId;
  env.READYBOOK_RUN_DIR = ctx.dir;
  env.READYBOOK_OUTPUT = outputFile;
  env.READYBOOK_RUNBOOK = ctx.path;
  env.READYBOOK_RUNBOOK_DIR = dirname(ctx.path);
  env.READYBOOK_STEP = String(stepIndex);
  env.READYBOOK_PARAM_NAMES = JSON.stringify(paramNames);
  env.READYBOOK_OUTPUT_NAMES = JSON.stringify(Object.keys(ctx.outputs));
  return env;
}
