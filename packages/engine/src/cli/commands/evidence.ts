import type { CommandContext } from '../main.js';
import { ReadybookError } from '../../errors.js';
import { readybookHome } from '../../record/home.js';
import { resolveRunId } from '../../record/runs.js';

export default async function evidence({ args, cwd, env }: CommandContext): Promise<number> {
  const [action, runArg] = args._;
  if (action !== 'add') throw new ReadybookError('RB060', `unknown evidence action ${JSON.stringify(action)}; use \`readybook evidence add <run-id>\``);
  const home = readybookHome(cwd, env);
  const runId = resolveRunId(home, String(runArg ?? args.runId));
  const { runEvidenceAdd } = await import('../../checklist/index.js');
  return runEvidenceAdd({ runId, home, cwd, env });
}
