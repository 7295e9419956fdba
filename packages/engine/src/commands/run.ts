import type { CommandContext } from '../cli.js';
import { loadRunbook } from '../load.js';
import { parseParamFlags } from '../params.js';
import { resolveOrPrompt, runWithPresenter } from './shared.js';

export default async function run(ctx: CommandContext): Promise<number> {
  const { runbook, path } = loadRunbook(ctx.cwd, String(ctx.args.runbook));
  const params = await resolveOrPrompt(ctx, runbook, parseParamFlags(ctx.params));
  return runWithPresenter(ctx, runbook, path, params);
}
