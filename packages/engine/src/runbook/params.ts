import { canonicalParamValue, checkParamValue } from '@readybook/schema';
import { ReadybookError } from '../errors.js';
import { Masker } from '../run/mask.js';
import type { Runbook } from './parse.js';

export interface ResolvedParam {
  name: string;
  value: string | undefined;
  source: 'flag' | 'env' | 'default' | 'journal' | 'unset';
  secret: boolean;
}

/** Parses repeated `--param NAME=value` flags. The value may contain `=`, newlines, anything but NUL. */
export function parseParamFlags(flags: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new ReadybookError('RB033', `--param ${JSON.stringify(flag)} is not of the form NAME=value`);
    const name = flag.slice(0, eq);
    // Keeping the first or the last silently would run with a value the operator may not have meant.
    if (values.has(name)) throw new ReadybookError('RB033', `--param ${name} is given twice`, { hint: `Give each param once: \`--param ${name}=<value>\`.` });
    values.set(name, flag.slice(eq + 1));
  }
  return values;
}

/**
 * Resolves every declared param: `--param` first, then the process environment, then the default.
 * Types and patterns are checked here, before anything runs; all problems are reported together.
 */
export function resolveParams(
  runbook: Runbook,
  flags: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv,
  fallback: ReadonlyMap<string, string> = new Map(),
  options: { allowMissing?: boolean } = {},
): ResolvedParam[] {
  const declared = runbook.frontmatter.params;
  const problems: string[] = [];
  for (const name of flags.keys()) {
    if (!(name in declared)) problems.push(`unknown param ${name}: ${runbook.file} declares ${Object.keys(declared).join(', ') || 'no params'}`);
  }
  const resolved: ResolvedParam[] = [];
  let missing = false;
  for (const [name, param] of Object.entries(declared)) {
    let value: string | undefined;
    let source: ResolvedParam['source'] = 'unset';
    if (flags.has(name)) {
      value = flags.get(name);
      source = 'flag';
    } else if (env[name] !== undefined) {
      value = env[name];
      source = 'env';
    } else if (fallback.has(name)) {
      value = fallback.get(name);
      source = 'journal';
    } else if (param.default !== undefined) {
      value = String(param.default);
      source = 'default';
    }
    if (value === undefined) {
      if (param.required && !options.allowMissing) {
        missing = true;
        problems.push(`param ${name} is required${param.description ? ` (${param.description})` : ''}: pass --param ${name}=<value>`);
      }
    } else {
      let problem = checkParamValue(param, value);
      // Never echo a secret back, not even a wrong one.
      if (problem && param.secret) problem = new Masker([value, JSON.stringify(value).slice(1, -1)]).mask(problem);
      if (problem) problems.push(`param ${name} ${problem}`);
      else value = canonicalParamValue(param, value);
    }
    resolved.push({ name, value, source, secret: param.secret });
  }
  if (problems.length > 0) {
    const unknown = problems.every((p) => p.startsWith('unknown param'));
    const code = unknown ? 'RB032' : missing && problems.length === 1 ? 'RB031' : 'RB030';
    throw new ReadybookError(code, problems.length === 1 ? (problems[0] as string) : `${problems.length} param problems`, {
      details: problems.length === 1 ? [] : problems,
    });
  }
  return resolved;
}

/** The environment variables params contribute to every block. Unset optional params are absent. */
export function paramEnv(params: readonly ResolvedParam[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const param of params) if (param.value !== undefined) env[param.name] = param.value;
  return env;
}
