import { existsSync, readFileSync } from 'node:fs';
import { isReservedEnvName } from '@readybook/schema';

const OUTPUT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_OUTPUT_VALUE = 64 * 1024;

/**
 * Reads the `KEY=value` lines a block appended to `$READYBOOK_OUTPUT`. Blank lines and `#` comments
 * are ignored; a line that is not KEY=value is reported so a typo does not pass silently.
 */
export function readOutputs(path: string): { outputs: Record<string, string>; problems: string[] } {
  const outputs: Record<string, string> = {};
  const problems: string[] = [];
  if (!existsSync(path)) return { outputs, problems };
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq).trim() : '';
    if (!OUTPUT_NAME.test(key)) {
      problems.push(`line ${i + 1} of $READYBOOK_OUTPUT is not KEY=value with a valid name`);
      return;
    }
    if (isReservedEnvName(key)) {
      // Every later block (rollbacks too) gets outputs as environment variables: PATH=… would make
      // bash itself unfindable. Refused, so the step fails here with a reason instead.
      problems.push(`output ${key} (line ${i + 1} of $READYBOOK_OUTPUT) would replace an environment variable the engine or bash needs; choose another name`);
      return;
    }
    const value = line.slice(eq + 1);
    if (value.length > MAX_OUTPUT_VALUE) {
      problems.push(`output ${key} is longer than ${MAX_OUTPUT_VALUE} characters; write large data to a file in $READYBOOK_RUN_DIR and output its path`);
      return;
    }
    outputs[key] = value;
  });
  return { outputs, problems };
}
