import { z } from 'zod';

/** Param names are environment variable names: UPPER_SNAKE, starting with a letter. */
export const PARAM_NAME_PATTERN = /^[A-Z][A-Z0-9_]*$/;

/** Names a runbook may not declare, because the engine sets them for every step. */
export const RESERVED_PARAM_PREFIXES = ['READYBOOK_'] as const;

/**
 * Environment variables that the engine, bash or the dynamic loader depend on: a param or a step
 * output of that name would change how every later block (rollbacks included) is started or
 * parsed, e.g. `PATH=…` making `bash` itself unfindable. Refused as param names and as outputs.
 */
export const RESERVED_ENV_NAMES = [
  'PATH', 'HOME', 'IFS', 'SHELL', 'ENV', 'BASH_ENV', 'SHELLOPTS', 'BASHOPTS', 'CDPATH', 'GLOBIGNORE',
  'PS4', 'PROMPT_COMMAND', 'POSIXLY_CORRECT', 'PWD', 'OLDPWD', 'TMPDIR', 'NODE_OPTIONS', 'NODE_PATH',
] as const;
export const RESERVED_ENV_PREFIXES = ['READYBOOK_', 'LD_', 'BASH_FUNC_', 'DYLD_'] as const;

/** Whether a variable of this name would clobber what the engine or bash needs (see RESERVED_ENV_NAMES). */
export function isReservedEnvName(name: string): boolean {
  return (RESERVED_ENV_NAMES as readonly string[]).includes(name) || RESERVED_ENV_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** A number param as the engine passes it on: plain decimal digits, canonical (`05` → `5`, `2.50` → `2.5`). */
const DECIMAL = /^-?\d+(\.\d+)?$/;

export const paramTypeSchema = z.enum(['string', 'number', 'boolean', 'enum']);
export type ParamType = z.infer<typeof paramTypeSchema>;

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** One runbook parameter. It reaches steps as an environment variable, never as command text. */
export const paramSchema = z
  .strictObject({
    /** The value's type; checked before anything runs. Defaults to `string`. */
    type: paramTypeSchema.default('string'),
    /** The allowed values of an `enum` param. */
    values: z.array(z.union([z.string(), z.number()])).min(1).optional(),
    /** Used when neither `--param` nor the environment gives a value. */
    default: scalar.optional(),
    /** A required param with no default must be given, or the run does not start. */
    required: z.boolean().default(false),
    /** Secret values are replaced by `***` in every output, journal and report. */
    secret: z.boolean().default(false),
    /** What the param is for, shown by `plan` and on the site. */
    description: z.string().optional(),
    /** A regular expression (JavaScript syntax) the whole value must match. */
    pattern: z.string().optional(),
  })
  .superRefine((param, ctx) => {
    if (param.type === 'enum' && !param.values) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: 'an enum param needs a `values` list' });
    }
    if (param.type !== 'enum' && param.values) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: '`values` is only allowed on enum params' });
    }
    if (param.pattern !== undefined) {
      try {
        new RegExp(param.pattern);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['pattern'], message: `pattern ${JSON.stringify(param.pattern)} is not a valid regular expression` });
      }
    }
    if (param.default !== undefined) {
      const problem = checkParamValue(param as Param, String(param.default));
      if (problem) ctx.addIssue({ code: 'custom', path: ['default'], message: `default ${problem}` });
    }
  });

export type ParamInput = z.input<typeof paramSchema>;
export type Param = z.output<typeof paramSchema>;

export const paramsSchema = z.record(
  z.string().regex(PARAM_NAME_PATTERN, {
    message: 'param names must be UPPER_SNAKE_CASE environment variable names (e.g. DATABASE_URL)',
  }).refine((name) => !RESERVED_PARAM_PREFIXES.some((prefix) => name.startsWith(prefix)), {
    message: 'param names starting with READYBOOK_ are reserved for the engine',
  }).refine((name) => !isReservedEnvName(name), {
    message: `this name would clobber a variable the engine or bash needs (${RESERVED_ENV_NAMES.join(', ')}, or a name starting with ${RESERVED_ENV_PREFIXES.join(', ')})`,
  }),
  paramSchema,
);

/** Returns why `raw` is not a valid value for `param`, or undefined when it is. */
export function checkParamValue(param: Pick<Param, 'type' | 'values' | 'pattern'>, raw: string): string | undefined {
  if (raw.includes('\0')) return 'must not contain a NUL byte';
  switch (param.type) {
    case 'number':
      if (!DECIMAL.test(raw) || !Number.isFinite(Number(raw))) return `must be a number written in decimal digits (such as 5 or -2.5; no spaces, exponents or hex), got ${JSON.stringify(raw)}`;
      break;
    case 'boolean':
      if (!['true', 'false'].includes(raw)) return `must be true or false, got ${JSON.stringify(raw)}`;
      break;
    case 'enum':
      if (!(param.values ?? []).map(String).includes(raw)) {
        return `must be one of ${(param.values ?? []).join(', ')}, got ${JSON.stringify(raw)}`;
      }
      break;
    default:
      break;
  }
  if (param.pattern !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${param.pattern})$`);
    } catch {
      return `cannot be checked: pattern ${JSON.stringify(param.pattern)} is invalid`;
    }
    if (!re.test(raw)) return `does not match the pattern ${param.pattern}`;
  }
  return undefined;
}

/** The value the engine passes on for a valid `raw`: numbers in canonical decimal form, everything else as given. */
export function canonicalParamValue(param: Pick<Param, 'type'>, raw: string): string {
  return param.type === 'number' ? String(Number(raw)) : raw;
}
