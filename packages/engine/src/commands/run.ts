import type { CommandContext } from '../cli.js';
import { loadRunbook } from '../load.js';
import { parseParamFlags, resolveParams } from '../params.js';
import { runWithPresenter } from './shared.js';

export default async function run(ctx: CommandContext): Promise<number> {
  const { runbook, path } = loadRunbook(ctx.cwd, String(ctx.args.runbook));
  const params = resolveParams(runbook, parseParamFlags(ctx.params), ctx.env);
  return runWithPresenter(ctx, runbook, path, params);
}
