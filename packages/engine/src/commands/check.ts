import { join } from 'node:path';
import type { CommandContext } from '../cli.js';
import { readybookHome } from '../home.js';
import { findUp } from '../resolve.js';

export default async function check({ args, cwd, env }: CommandContext): Promise<number> {
  const { runCheck } = await import('../checklist/index.js');
  return runCheck({
    checklist: String(args.checklist),
    json: args.json === true,
    home: readybookHome(cwd, env),
    cwd,
    write: args['no-write'] !== true && args.write !== false,
    evidenceDir: findUp(cwd, 'evidence') ?? join(cwd, 'evidence'),
  });
}
