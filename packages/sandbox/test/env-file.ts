import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The variables `sandbox.sh up <dir>` writes to `<dir>/env` (`export KEY='value'` lines, for `source`),
 * as an object: how tests here and in other packages (the engine's store tests, the site's) find the
 * sandbox's PostgreSQL port, binaries and data directory.
 */
export function readSandboxEnv(dir: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(join(dir, 'env'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('export '))
      .map((line) => {
        const [key, ...value] = line.slice('export '.length).split('=');
        return [key!, value.join('=').replace(/^'|'$/g, '')];
      }),
  );
}
