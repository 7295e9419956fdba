import type { CommandContext } from '../main.js';
import { ReadybookError } from '../../errors.js';
import { readybookHome } from '../../record/home.js';
import { locateRun } from '../../store/read.js';

export default async function evidence({ args, cwd, env }: CommandContext): Promise<number> {
  const [action, runArg] = args._;
  if (action !== 'add') throw new ReadybookError('RB060', `unknown evidence action ${JSON.stringify(action)}; use \`readybook evidence add <run-id>\``);
  const home = readybookHome(cwd, env);
  // `latest` or a run id, of this home or (with a store) of any machine's: fetched once, published from there.
  const { runId, dir } = await locateRun(home, String(runArg ?? args.runId), env);
  const { runEvidenceAdd } = await import('../../checklist/index.js');
  return runEvidenceAdd({ runId, runDir: dir, home, cwd, env });
}
