/**
 * The rule behind every exit code: a run the engine started ends in its journal. If the process
 * is about to end while a run is unfinished — the event loop drained with nothing left to wait
 * for, or an exception nobody caught — the run is ended here with an internal-error status, and
 * the process exits 70, never 0.
 */
export interface RunGuard {
  /** The run ended normally: stop guarding. */
  done(): void;
}

export const INTERNAL_EXIT = 70;

export function guardRun(endRun: (reason: string) => void): RunGuard {
  let active = true;
  const finish = (reason: string) => {
    if (!active) return;
    active = false;
    remove();
    try {
      endRun(reason);
    } finally {
      process.exitCode = INTERNAL_EXIT;
    }
  };
  const onBeforeExit = () => {
    finish('the engine stopped before the run ended: it was left with nothing to wait for (a bug in Readybook)');
    process.exit(INTERNAL_EXIT);
  };
  const onExit = (code: number) => {
    finish(`the engine exited (code ${code}) before the run ended (a bug in Readybook)`);
    process.exitCode = INTERNAL_EXIT;
  };
  const remove = () => {
    process.off('beforeExit', onBeforeExit);
    process.off('exit', onExit);
  };
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  return {
    done() {
      active = false;
      remove();
    },
  };
}
