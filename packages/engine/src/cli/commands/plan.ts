import type { CommandContext } from '../main.js';
import { EXIT } from '../../errors.js';
import { loadRunbook } from '../../runbook/load.js';
import { buildPlan, renderPlan } from '../../runbook/plan.js';
import { parseParamFlags, resolveParams } from '../../runbook/params.js';

export default async function plan({ args, params, cwd, env }: CommandContext): Promise<number> {
  const { runbook, path } = loadRunbook(cwd, String(args.runbook));
  // A plan may be asked for before every value is known: missing required params are shown, not refused.
  const resolved = resolveParams(runbook, parseParamFlags(params), env, new Map(), { allowMissing: true });
  const result = buildPlan(runbook, path, resolved, env);
  process.stdout.write(args.json ? `${JSON.stringify(result)}\n` : renderPlan(result));
  return EXIT.passed;
}
