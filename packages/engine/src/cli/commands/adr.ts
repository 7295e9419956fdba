import { join, resolve } from 'node:path';
import type { CommandContext } from '../main.js';
import { EXIT, ReadybookError } from '../../errors.js';
import { displayPath, findUp } from '../../runbook/resolve.js';

export default async function adr({ args, cwd }: CommandContext): Promise<number> {
  const [action, ...words] = args._;
  if (action !== 'new') throw new ReadybookError('RB060', `unknown adr action ${JSON.stringify(action)}; use \`readybook adr new "<title>"\``);
  const title = words.join(' ').trim();
  const dir = typeof args.dir === 'string' ? resolve(cwd, args.dir) : (findUp(cwd, 'decisions') ?? join(cwd, 'decisions'));
  const { createAdr } = await import('../../adr/new.js');
  let path: string;
  try {
    path = await createAdr(title, dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code) throw new ReadybookError('RB061', `cannot write the ADR in ${dir}: ${(error as Error).message}`);
    throw new ReadybookError('RB060', (error as Error).message);
  }
  process.stdout.write(`${displayPath(cwd, path)}\n`);
  return EXIT.passed;
}
