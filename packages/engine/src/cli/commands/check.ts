import type { CommandContext } from '../main.js';
import { EXIT, ReadybookError } from '../../errors.js';
import { resolve } from 'node:path';
import { checkReports, failedReports, interruptedCheckReports, junitOption, type CiContext } from '../../ci/reports.js';

export default async function check({ args, cwd, env }: CommandContext): Promise<number> {
  const { runCheck } = await import('../../checklist/index.js');
  const release = typeof args.release === 'string' ? args.release : undefined;
  if (release !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(release)) {
    throw new ReadybookError('RB060', `--release ${JSON.stringify(release)} is not a release tag (letters, digits, . _ + -)`);
  }
  const junit = junitOption(args, cwd);
  const ci: CiContext = { cwd, env, json: args.json === true, ...(junit ? { junit } : {}) };
  const subject = String(args.checklist);
  try {
    return await runCheck({
    checklist: String(args.checklist),
    json: args.json === true,
    // READYBOOK_HOME as given; otherwise the checklist's repository's `.readybook` (found by runCheck).
    ...(env.READYBOOK_HOME && env.READYBOOK_HOME.trim() !== '' ? { home: resolve(cwd, env.READYBOOK_HOME) } : {}),
    cwd,
    env,
    write: args.write === true,
    ...(release !== undefined ? { release } : {}),
      onEvaluation: (evaluation, diagnostics, root) => checkReports(ci, evaluation, diagnostics, root),
      onInterrupted: (message) => interruptedCheckReports(ci, subject, message),
    });
  } catch (error) {
    await failedReports(ci, 'check', subject, error);
    throw error;
  }
}

export { EXIT };
