import type { CommandContext } from '../main.js';
import { loadRunbook } from '../../runbook/load.js';
import { parseParamFlags } from '../../runbook/params.js';
import { resolveOrPrompt, runWithPresenter, withCiReports } from './shared.js';

export default async function run(ctx: CommandContext): Promise<number> {
  return withCiReports(ctx, 'run', String(ctx.args.runbook), async (ci) => {
    const { runbook, path } = loadRunbook(ctx.cwd, String(ctx.args.runbook));
    const params = await resolveOrPrompt(ctx, runbook, parseParamFlags(ctx.params));
    return runWithPresenter(ctx, runbook, path, params, undefined, undefined, ci);
  });
}
