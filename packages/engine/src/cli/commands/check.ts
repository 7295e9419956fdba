import type { CommandContext } from '../main.js';
import { EXIT, ReadybookError } from '../../errors.js';
import { resolve } from 'node:path';

export default async function check({ args, cwd, env }: CommandContext): Promise<number> {
  const { runCheck } = await import('../../checklist/index.js');
  const release = typeof args.release === 'string' ? args.release : undefined;
  if (release !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(release)) {
    throw new ReadybookError('RB060', `--release ${JSON.stringify(release)} is not a release tag (letters, digits, . _ + -)`);
  }
  return runCheck({
    checklist: String(args.checklist),
    json: args.json === true,
    // READYBOOK_HOME as given; otherwise the checklist's repository's `.readybook` (found by runCheck).
    ...(env.READYBOOK_HOME && env.READYBOOK_HOME.trim() !== '' ? { home: resolve(cwd, env.READYBOOK_HOME) } : {}),
    cwd,
    env,
    write: args.write === true,
    ...(release !== undefined ? { release } : {}),
  });
}

export { EXIT };
