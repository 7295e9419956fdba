import { emit, hostName, operatorName, type RunContext } from './context.js';
import { EXIT, ReadybookError } from '../errors.js';
import type { RunEvent, RunStatus, StepRef } from '../record/events.js';
import type { Confirm } from './context.js';
import { mkdirPrivate, runDir } from '../record/home.js';
import { Journal, readJournal } from '../record/journal.js';
import { Launcher } from './launcher.js';
import { acquireLocks } from './lock.js';
import { storeConfig } from '../store/config.js';
import { storeTimeoutMs } from '../store/client.js';
import { StoreLocks } from '../store/locks.js';
import { StoreWriter } from '../store/history.js';
import { Masker } from './mask.js';
import type { Runbook, Step } from '../runbook/parse.js';
import type { ResolvedParam } from '../runbook/params.js';
import { writeReports } from '../record/report.js';
import { trySealRun } from '../trust/seal.js';
import { runbookIdentity } from '../runbook/steps-hash.js';
import { rollBack } from './rollback.js';
import { Background } from './background.js';
import { stopBackgroundOrphans, stopOrphan, stopRecordedNow } from './orphan.js';
import { guardRun } from './unfinished.js';
import { newRunId } from '../record/runid.js';
import { runState } from '../record/state.js';
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
  confirm: Confirm;
  onEvent: (event: RunEvent) => void;
  /** Emit every byte of step output as `step.output` events. */
  fullOutput?: boolean;
  /** False when nothing shows step output as it happens (no terminal, no --json): the engine then does not follow it. */
  liveOutput?: boolean;
  /** Continue this run instead of starting a new one. */
  resume?: { runId: string; force: boolean };
  /** Told what the store does behind the run's back (unreachable, answering again, a lock regained): for stderr. */
  notice?: (text: string) => void;
}

export interface ExecuteResult {
  runId: string;
  dir: string;
  status: RunStatus;
  exitCode: number;
  /** Set when the store (READYBOOK_STORE) still lacks events or files of this run: `readybook sync` sends them. */
  storeWarning?: string;
}

/** The signals that stop a run: Ctrl-C, a polite kill, and a closed terminal (a dropped SSH session). */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function exitCodeOf(status: RunStatus): number {
  switch (status) {
    case 'passed':
      return EXIT.passed;
    case 'rolled-back':
      return EXIT.failed;
    case 'failed':
      return EXIT.notRolledBack;
    case 'rollback-failed':
      return EXIT.rollbackFailed;
    case 'interrupted':
      return EXIT.interrupted;
    case 'internal-error':
      return EXIT.internal;
  }
}

/**
 * Runs a runbook (or resumes one): takes the lock, journals every event, runs steps in order, and
 * on the first failure rolls back the failed step and every earlier passed step, newest first.
 */
export async function execute(options: ExecuteOptions): Promise<ExecuteResult> {
  const { runbook } = options;
  const runId = options.resume?.runId ?? newRunId(runbook.id);
  const dir = runDir(options.home, runId);
  const lock = acquireLocks(options.home, options.path, runbook.id, runId, runbook.frontmatter.locks);
  // With a store, the same locks are taken there too, so runs on other machines are excluded (ADR 0024).
  const store = storeConfig(options.env);
  let storeLocks: StoreLocks | undefined;
  if (store) {
    try {
      storeLocks = await StoreLocks.acquire(
        store,
        { runId, runbookId: runbook.id, resources: runbook.frontmatter.locks, operator: operatorName(options.env), host: hostName(), pid: process.pid },
        { timeoutMs: storeTimeoutMs(options.env), graceMs: lockGraceMs(options.env), ...(options.notice ? { notice: options.notice } : {}) },
      );
    } catch (error) {
      lock.release();
      throw error;
    }
  }
  let writer: StoreWriter | undefined;
  let result: ExecuteResult | undefined;
  const stopper = new AbortController();
  const abandoner = new AbortController();
  let signals = 0;
  let inRollback = false;
  let ctx: RunContext | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    const action = signals === 1 ? (inRollback ? 'finish-rollback' : 'stop-and-roll-back') : signals === 2 ? 'abandon-rollback' : 'ignored';
    if (ctx) emit(ctx, { type: 'run.interrupt', signal, count: signals, action, rollbackInProgress: inRollback });
    if (signals === 1) stopper.abort();
    else if (signals === 2) abandoner.abort();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  let launcher: Launcher | undefined;
  let guard: ReturnType<typeof guardRun> | undefined;
  let started = performance.now();

  /** Journals the end of the run (exactly once) and writes its reports. */
  let ended = false;
  const endRun = (status: RunStatus, extra: { failedStep?: StepRef; error?: string } = {}): number => {
    const exitCode = exitCodeOf(status);
    if (!ctx || ended) return exitCode;
    ended = true;
    guard?.done();
    // The engine failed mid-run: nothing may be left running without it watching.
    if (status === 'internal-error') stopRecordedNow(dir);
    emit(ctx, {
      type: 'run.end',
      status,
      exitCode,
      durationMs: Math.round(performance.now() - started),
      outputs: ctx.outputs,
      ...(extra.failedStep ? { failedStep: extra.failedStep } : {}),
      ...(extra.error ? { error: extra.error } : {}),
    });
    ctx.journal.close();
    writeReports(dir, readJournal(dir), runbook);
    trySealRun(dir, runId, options.home, options.env);
    return exitCode;
  };

  try {
    mkdirPrivate(dir);
    const previous = options.resume ? readJournal(dir) : [];
    const journal = new Journal(dir);
    if (store) {
      writer = new StoreWriter(store, dir, runId, { timeoutMs: storeTimeoutMs(options.env), ...(options.notice ? { notice: options.notice } : {}) });
      journal.onLine = (seq, line) => writer?.push(seq, line);
    }
    const masker = new Masker(options.params.filter((p) => p.secret).map((p) => p.value));
    const context: RunContext = {
      runId,
      dir,
      runbook,
      path: options.path,
      cwd: options.cwd,
      // One plain copy: reading process.env property by property on every step is slow. Steps never
      // see the store's connection string (it may carry a password).
      baseEnv: withoutStore(options.env),
      params: options.params,
      outputs: {},
      masker,
      journal,
      yes: options.yes,
      confirm: options.confirm,
      interrupt: () => onSignal('SIGINT'),
      onEvent: options.onEvent,
      fullOutput: options.fullOutput ?? false,
      liveOutput: options.liveOutput ?? true,
      stop: stopper.signal,
      abandon: abandoner.signal,
    };
    context.background = new Background(context);
    // Secrets need the engine to read and mask every byte: those runs start blocks themselves.
    if (!masker.active && options.env.READYBOOK_LAUNCHER !== '0') {
      launcher = Launcher.start(options.cwd, context.baseEnv, dir);
      context.launcher = launcher;
    }
    started = performance.now();
    let skip = new Set<number>();
    let pendingRollback: number[] | undefined;
    if (options.resume) {
      const state = runState(previous);
      if (!state) throw new ReadybookError('RB046', `the journal of run ${runId} has no run.start event`);
      skip = state.done;
      Object.assign(context.outputs, state.outputs);
      for (const value of Object.values(state.outputs)) if (masker.contains(value)) masker.add(value);
      pendingRollback = state.pendingRollback;
      // What a killed attempt left running is stopped first: the block in flight, then any
      // background block (its step runs again, so it restarts — ADR 0016).
      const stoppedOrphan = [await stopOrphan(dir), ...(await stopBackgroundOrphans(dir))].filter(Boolean).join('; ') || undefined;
      ctx = context;
      guard = guardRun((reason) => endRun('internal-error', { error: reason }));
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
      ctx = context;
      guard = guardRun((reason) => endRun('internal-error', { error: reason }));
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
    /** Runs a rollback and gives the run's status from how it went. */
    const rollBackAs = async (steps: Step[], reason: string, interrupted: boolean): Promise<RunStatus> => {
      inRollback = true;
      const result = await rollBack(context, steps, reason);
      inRollback = false;
      if (result.failed) return 'rollback-failed';
      if (result.abandoned.length > 0) {
        error = `${error ? `${error}; ` : ''}the rollback of step${result.abandoned.length > 1 ? 's' : ''} ${result.abandoned.join(', ')} was abandoned by a second interrupt: \`readybook resume ${runId}\` finishes it`;
        return 'interrupted';
      }
      return interrupted ? 'interrupted' : 'rolled-back';
    };
    if (pendingRollback) {
      // The earlier attempt was stopped during its rollback: finish it, do not go forward.
      const steps = pendingRollback.map((i) => runbook.steps[i - 1]).filter((s): s is Step => s !== undefined);
      // A rollback block that failed before the interruption still makes the whole rollback failed.
      const lastStart = previous.map((e) => e.type).lastIndexOf('rollback.start');
      const failedEarlier = previous.slice(lastStart).some((e) => e.type === 'rollback.step.end' && e.status === 'failed' && !('abandoned' in e && e.abandoned));
      status = await rollBackAs(steps, 'finishing the rollback of an interrupted run', false);
      if (failedEarlier && status === 'rolled-back') status = 'rollback-failed';
    } else {
      const background = context.background;
      /** A background block that failed by itself fails its step: undo everything done, newest first. */
      const backgroundFailed = async (): Promise<boolean> => {
        const failure = background.failure();
        if (!failure) return false;
        failedStep = stepRef(failure.step);
        error = failure.error;
        await background.stopAll('failure');
        if (options.noRollback) {
          status = 'failed';
          return true;
        }
        const done = runbook.steps.filter((s) => skip.has(s.index)).reverse();
        status = await rollBackAs(done, `step ${failure.step.index} "${failure.step.title}" failed: ${failure.error}`, false);
        return true;
      };
      let stopped = false;
      for (const step of runbook.steps) {
        if (skip.has(step.index)) continue;
        if (await backgroundFailed()) {
          stopped = true;
          break;
        }
        // Computed only on a failure: filtering every step before each one is quadratic in a long runbook.
        const earlier = () => runbook.steps.filter((s) => s.index < step.index && skip.has(s.index)).reverse();
        // The store's locks must still be ours before anything more changes (ADR 0024's lock-loss rule).
        const lockLost = storeLocks ? await storeLocks.ensure(stopper.signal) : undefined;
        if (lockLost) {
          failedStep = stepRef(step);
          error = `RB052: ${lockLost}; step ${step.index} "${step.title}" and the steps after it were not started and nothing was rolled back, because another run may hold the locks now: \`readybook resume ${runId}\` continues once the store answers`;
          await background.stopAll('failure');
          status = 'failed';
          stopped = true;
          break;
        }
        if (stopper.signal.aborted) {
          // Interrupted between steps: this one never started; undo what is done.
          error = 'interrupted before the step started';
          failedStep = stepRef(step);
          await background.stopAll('interrupt');
          status = options.noRollback ? 'interrupted' : await rollBackAs(earlier(), `interrupted before step ${step.index} "${step.title}" started`, true);
          stopped = true;
          break;
        }
        const end = await runStep(context, step);
        if (end.status === 'passed' && !stopper.signal.aborted) {
          skip.add(step.index);
          continue;
        }
        stopped = true;
        failedStep = stepRef(step);
        error = end.error ?? (stopper.signal.aborted ? 'interrupted' : 'step failed');
        const interrupted = stopper.signal.aborted;
        // Background blocks stop before anything is rolled back (a load generator must not run on
        // while the release under it is undone).
        await background.stopAll(interrupted ? 'interrupt' : 'failure');
        if (options.noRollback) {
          status = interrupted ? 'interrupted' : 'failed';
          break;
        }
        // The failed (or interrupted) step first, then every earlier step that is still done, newest first.
        const reason = `step ${step.index} "${step.title}" ${interrupted ? 'was interrupted' : 'failed'}: ${error}`;
        status = await rollBackAs([step, ...earlier()], reason, interrupted);
        break;
      }
      if (!stopped) {
        // Every step passed: what still runs in the background is stopped and recorded.
        await background.stopAll('run-end');
        await backgroundFailed();
      }
    }
    const exitCode = endRun(status, { ...(failedStep ? { failedStep } : {}), ...(error ? { error } : {}) });
    result = { runId, dir, status, exitCode };
    return result;
  } catch (error) {
    // An unexpected exception mid-run still ends the run in its journal, as an internal error.
    if (ctx && !ended) {
      try {
        endRun('internal-error', { error: `internal error: ${(error as Error)?.message ?? String(error)}` });
      } catch {
        // The journal itself failed; the CLI still exits 70.
      }
    }
    throw error;
  } finally {
    guard?.done();
    launcher?.close();
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    try {
      const warning = await writer?.finish();
      if (warning && result) result.storeWarning = warning;
      else if (warning) options.notice?.(warning);
    } finally {
      await storeLocks?.release();
      lock.release();
    }
  }
}

/** How long a run waits to regain store locks after their connection dropped (READYBOOK_STORE_LOCK_GRACE, seconds; default 30). */
function lockGraceMs(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.READYBOOK_STORE_LOCK_GRACE);
  return Number.isFinite(seconds) && seconds >= 0 && env.READYBOOK_STORE_LOCK_GRACE?.trim() ? Math.round(seconds * 1000) : 30_000;
}

function withoutStore(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.READYBOOK_STORE;
  return copy;
}
