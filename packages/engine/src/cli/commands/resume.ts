import type { CommandContext } from '../main.js';
import { ReadybookError } from '../../errors.js';
import { readybookHome, runDir } from '../../record/home.js';
import { readJournal } from '../../record/journal.js';
import { loadRunbook } from '../../runbook/load.js';
import { parseParamFlags } from '../../runbook/params.js';
import { resolveRunId } from '../../record/runs.js';
import { runState } from '../../record/state.js';
import { resolveOrPrompt, runWithPresenter, withCiReports } from './shared.js';
import type { CiContext } from '../../ci/reports.js';

export default async function resume(ctx: CommandContext): Promise<number> {
  return withCiReports(ctx, 'resume', String(ctx.args.runId), (ci) => resumeRun(ctx, ci));
}

async function resumeRun(ctx: CommandContext, ci: CiContext): Promise<number> {
  const home = readybookHome(ctx.cwd, ctx.env);
  const runId = resolveRunId(home, String(ctx.args.runId));
  const state = runState(readJournal(runDir(home, runId)));
  if (!state) throw new ReadybookError('RB046', `run ${runId} has no run.start event in its journal`);
  if (state.ended && state.status === 'passed') throw new ReadybookError('RB043', `run ${runId} already passed; there is nothing to resume`);
  const { runbook, path } = loadRunbook(ctx.cwd, state.start.runbook.location ?? state.start.runbook.path);
  const force = ctx.args.force === true;
  if (runbook.hash !== state.start.runbook.hash && !force) {
    throw new ReadybookError('RB042', `${runbook.file} changed since run ${runId} started (sha256 ${state.start.runbook.hash.slice(0, 12)} → ${runbook.hash.slice(0, 12)}); refusing to resume`);
  }
  // The run's own values first (secrets were never recorded: give them again), then --param overrides.
  const recorded = new Map<string, string>();
  for (const [name, value] of Object.entries(state.start.params)) {
    if (value !== null && !state.start.secretParams.includes(name)) recorded.set(name, value);
  }
  const flags = parseParamFlags(ctx.params);
  // A secret is never recorded: at a terminal it is asked for again.
  const params = await resolveOrPrompt(ctx, runbook, new Map([...recorded, ...flags]));
  return runWithPresenter(ctx, runbook, path, params, { runId, force }, state.pendingRollback ? new Set(runbook.steps.map((s) => s.index)) : state.done, ci);
}
