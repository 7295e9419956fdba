import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Is `program` an executable file in one of the PATH folders? */
export function onPath(program: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

export function missingPrograms(programs: readonly string[], env: NodeJS.ProcessEnv): string[] {
  return programs.filter((p) => !onPath(p, env));
}
