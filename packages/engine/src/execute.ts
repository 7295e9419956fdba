import { emit, hostName, operatorName, type RunContext } from './context.js';
import { EXIT, ReadybookError } from './errors.js';
import type { RunEvent, RunStatus, StepRef } from './events.js';
import { mkdirPrivate, runDir } from './home.js';
import { Journal, readJournal } from './journal.js';
import { Launcher } from './launcher.js';
import { acquireLock } from './lock.js';
import { Masker } from './mask.js';
import type { Runbook, Step } from './parse.js';
import type { ResolvedParam } from './params.js';
import { writeReports } from './report.js';
import { trySealRun } from './seal.js';
import { runbookIdentity } from './steps-hash.js';
import { rollBack } from './rollback.js';
import { stopOrphan } from './orphan.js';
import { newRunId } from './runid.js';
import { runState } from './state.js';
import { runStep, stepRef } from './step.js';

export interface ExecuteOptions {
  runbook: Runbook;
  /** Absolute path of the runbook file. */
  path: string;
  params: ResolvedParam[];
  cwd: string;
  home: string;
  env: NodeJS.ProcessEnv;
  yes: boolean;
  noRollback: boolean;
  confirm: (message: string) => Promise<boolean>;
  onEvent: (event: RunEvent) => void;
  /** Emit every byte of step output as `step.output` events. */
  fullOutput?: boolean;
  /** False when nothing shows step output as it happens (no terminal, no --json): the engine then does not follow it. */
  liveOutput?: boolean;
  /** Continue this run instead of starting a new one. */
  resume?: { runId: string; force: boolean };
}

export interface ExecuteResult {
  runId: string;
  dir: string;
  status: RunStatus;
  exitCode: number;
}

/**
 * Runs a runbook (or resumes one): takes the lock, journals every event, runs steps in order, and
 * on the first failure rolls back the failed step and every earlier passed step, newest first.
 */
export async function execute(options: ExecuteOptions): Promise<ExecuteResult> {
  const { runbook } = options;
  const runId = options.resume?.runId ?? newRunId(runbook.id);
  const dir = runDir(options.home, runId);
  const lock = acquireLock(options.home, options.path, runbook.id, runId);
  const stopper = new AbortController();
  const abandoner = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals += 1;
    if (signals === 1) stopper.abort();
    else abandoner.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let launcher: Launcher | undefined;

  try {
    mkdirPrivate(dir);
    const previous = options.resume ? readJournal(dir) : [];
    const journal = new Journal(dir);
    const masker = new Masker(options.params.filter((p) => p.secret).map((p) => p.value));
    const ctx: RunContext = {
      runId,
      dir,
      runbook,
      path: options.path,
      cwd: options.cwd,
      // One plain copy: reading process.env property by property on every step is slow.
      baseEnv: { ...options.env },
      params: options.params,
      outputs: {},
      masker,
      journal,
      yes: options.yes,
      confirm: options.confirm,
      onEvent: options.onEvent,
      fullOutput: options.fullOutput ?? false,
      liveOutput: options.liveOutput ?? true,
      stop: stopper.signal,
      abandon: abandoner.signal,
    };
    // Secrets need the engine to read and mask every byte: those runs start blocks themselves.
    if (!masker.active && options.env.READYBOOK_LAUNCHER !== '0') {
      launcher = Launcher.start(options.cwd, ctx.baseEnv, dir);
      ctx.launcher = launcher;
    }
    const started = performance.now();
    let skip = new Set<number>();
    let pendingRollback: number[] | undefined;
    if (options.resume) {
      const state = runState(previous);
      if (!state) throw new ReadybookError('RB046', `the journal of run ${runId} has no run.start event`);
      skip = state.done;
      Object.assign(ctx.outputs, state.outputs);
      for (const value of Object.values(state.outputs)) if (masker.contains(value)) masker.add(value);
      pendingRollback = state.pendingRollback;
      const stoppedOrphan = await stopOrphan(dir);
      emit(ctx, {
        type: 'run.resume',
        pid: process.pid,
        operator: operatorName(options.env),
        host: hostName(),
        skip: [...skip].sort((a, b) => a - b),
        force: options.resume.force,
        finishRollback: pendingRollback !== undefined,
        ...(stoppedOrphan ? { stoppedOrphan } : {}),
      });
    } else {
      emit(ctx, {
        type: 'run.start',
        runbook: { id: runbook.id, path: runbook.file, location: options.path, title: runbook.frontmatter.title, hash: runbook.hash, ...runbookIdentity(runbook, options.path) },
        params: Object.fromEntries(options.params.map((p) => [p.name, p.value === undefined ? null : p.secret ? '***' : p.value])),
        secretParams: options.params.filter((p) => p.secret).map((p) => p.name),
        paramSources: Object.fromEntries(options.params.map((p) => [p.name, p.source])),
        operator: operatorName(options.env),
        host: hostName(),
        node: process.version,
        pid: process.pid,
        steps: runbook.steps.length,
      });
    }

    let status: RunStatus = 'passed';
    let failedStep: StepRef | undefined;
    let error: string | undefined;
    if (pendingRollback) {
      // The earlier attempt was stopped during its rollback: finish it, do not go forward.
      const steps = pendingRollback.map((i) => runbook.steps[i - 1]).filter((s): s is Step => s !== undefined);
      const clean = await rollBack(ctx, steps, 'finishing the rollback of an interrupted run');
      // A rollback block that failed before the interruption still makes the whole rollback failed.
      const lastStart = previous.map((e) => e.type).lastIndexOf('rollback.start');
      const failedEarlier = previous.slice(lastStart).some((e) => e.type === 'rollback.step.end' && e.status === 'failed');
      status = clean && !failedEarlier ? 'rolled-back' : 'rollback-failed';
    } else {
      for (const step of runbook.steps) {
        if (skip.has(step.index)) continue;
        const end = await runStep(ctx, step);
        if (end.status === 'passed' && !stopper.signal.aborted) {
          skip.add(step.index);
          continue;
        }
        failedStep = stepRef(step);
        error = end.error ?? (stopper.signal.aborted ? 'interrupted' : 'step failed');
        const interrupted = stopper.signal.aborted;
        if (options.noRollback) {
          status = interrupted ? 'interrupted' : 'failed';
          break;
        }
        // The failed (or interrupted) step first, then every earlier step that is still done, newest first.
        const earlier = runbook.steps.filter((s) => s.index < step.index && skip.has(s.index)).reverse();
        const reason = `step ${step.index} "${step.title}" ${interrupted ? 'was interrupted' : 'failed'}: ${error}`;
        const clean = await rollBack(ctx, [step, ...earlier], reason);
        status = !clean ? 'rollback-failed' : interrupted ? 'interrupted' : 'rolled-back';
        break;
      }
    }
    const exitCode =
      status === 'passed' ? EXIT.passed : status === 'rollback-failed' ? EXIT.rollbackFailed : status === 'interrupted' ? EXIT.interrupted : EXIT.failed;
    emit(ctx, {
      type: 'run.end',
      status,
      exitCode,
      durationMs: Math.round(performance.now() - started),
      outputs: ctx.outputs,
      ...(failedStep ? { failedStep } : {}),
      ...(error ? { error } : {}),
    });
    journal.close();
    writeReports(dir, readJournal(dir), runbook);
    trySealRun(dir, runId, options.home, options.env);
    return { runId, dir, status, exitCode };
  } finally {
    launcher?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    lock.release();
  }
}
