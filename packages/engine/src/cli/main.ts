import { readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { commands, globalOptions, type ArgSpec, type CommandName, type CommandSpec } from './spec.js';
import { EXIT, ReadybookError } from '../errors.js';
import { makeStyle } from './present/style.js';
import { closest } from '../suggest.js';

export interface CommandContext {
  args: Record<string, unknown> & { _: string[] };
  params: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Each command lives in its own module, loaded only when used. */
const handlers: Record<CommandName, () => Promise<{ default: (ctx: CommandContext) => Promise<number> }>> = {
  validate: () => import('./commands/validate.js'),
  plan: () => import('./commands/plan.js'),
  run: () => import('./commands/run.js'),
  resume: () => import('./commands/resume.js'),
  runs: () => import('./commands/runs.js'),
  report: () => import('./commands/report.js'),
  check: () => import('./commands/check.js'),
  evidence: () => import('./commands/evidence.js'),
  adr: () => import('./commands/adr.js'),
  verify: () => import('./commands/verify.js'),
  signoff: () => import('./commands/signoff.js'),
  sync: () => import('./commands/sync.js'),
  locks: () => import('./commands/locks.js'),
};

/** The engine's version, from its package.json (one folder up from dist/, two from the bundle). */
export function version(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === '@readybook/engine') return pkg.version;
    } catch {
      // not this one
    }
  }
  return 'unknown';
}

function usage(name?: CommandName): string {
  if (!name) {
    const width = Math.max(...Object.keys(commands).map((k) => k.length));
    return [
      `readybook ${version()} — production readiness as code`,
      '',
      'Usage: readybook <command> [options]',
      '',
      'Commands:',
      ...Object.values(commands).map((c) => `  ${c.meta.name.padEnd(width)}  ${c.meta.description}`),
      '',
      'Run `readybook <command> --help` for its options. Docs: the Reference section of the Readybook site.',
    ].join('\n');
  }
  const spec: CommandSpec = commands[name];
  const positionals = Object.entries(spec.args).filter(([, a]) => a.type === 'positional');
  const options = Object.entries(spec.args).filter(([, a]) => a.type !== 'positional');
  const flag = (key: string, a: ArgSpec) =>
    [...(a.alias ?? []).map((x) => `-${x}`), `--${key}`].join(', ') + (a.type === 'string' ? ` <${a.valueHint ?? 'value'}>` : '');
  return [
    `Usage: readybook ${name} ${positionals.map(([k, a]) => (a.required ? `<${a.valueHint ?? k}>` : `[${a.valueHint ?? k}]`)).join(' ')}${options.length ? ' [options]' : ''}`,
    '',
    spec.meta.description,
    ...(positionals.length ? ['', 'Arguments:', ...positionals.map(([k, a]) => `  ${(a.valueHint ?? k).padEnd(25)} ${a.description}`)] : []),
    '',
    'Options:',
    ...[...options, ...Object.entries(globalOptions)].map(([k, a]) => `  ${flag(k, a).padEnd(25)} ${a.description}${a.default !== undefined ? ` (default: ${a.default})` : ''}`),
    ...(spec.examples.length ? ['', 'Examples:', ...spec.examples.map((e) => `  ${e}`)] : []),
  ].join('\n');
}

/**
 * Parses a command's arguments with node:util parseArgs in strict mode, from the spec (the same data
 * the docs' CLI reference is made from): unknown options, a string option without its value and a
 * boolean given one are usage errors (RB060) with a "did you mean"; `--param` repeats; positionals
 * are also set under their names.
 */
function parseCommandArgs(name: CommandName, raw: string[]): { args: CommandContext['args']; params: string[] } {
  const spec: CommandSpec = commands[name];
  const flags = Object.entries({ ...spec.args, ...globalOptions }).filter(([, a]) => a.type !== 'positional');
  const options: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(
    flags.map(([key, a]) => [
      key,
      {
        type: a.type as 'string' | 'boolean',
        ...(a.alias?.[0] ? { short: a.alias[0] } : {}),
        ...(key === 'param' ? { multiple: true } : {}),
        ...(a.default !== undefined ? { default: a.default } : {}),
      },
    ]),
  );
  // Every way to write each option (`--param`, `-p`): for "did you mean", and to find string options.
  const spellings = flags.flatMap(([key, a]) => [`--${key}`, ...(a.alias ?? []).map((x) => `-${x}`)].map((flag) => ({ flag, key, type: a.type })));
  const stringOption = new Map(spellings.filter((s) => s.type === 'string').map((s) => [s.flag, s.key]));
  // A negative number is a value, not an option: `--limit -5` reaches the option's own check.
  const tokens: string[] = [];
  for (let i = 0; i < raw.length; i += 1) {
    const key = stringOption.get(raw[i]!);
    if (key && /^-\d/.test(raw[i + 1] ?? '')) tokens.push(`--${key}=${raw[++i]}`);
    else tokens.push(raw[i]!);
  }
  let parsed: { values: Record<string, string | boolean | Array<string | boolean> | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: tokens, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(name, error as Error & { code?: string }, spellings.map((s) => s.flag));
  }
  const { param, ...values } = parsed.values;
  const args: CommandContext['args'] = { _: parsed.positionals, ...values };
  const named = Object.entries(spec.args).filter(([, a]) => a.type === 'positional');
  named.forEach(([key], i) => {
    if (parsed.positionals[i] !== undefined) args[key] = parsed.positionals[i];
  });
  checkPositionals(name, spec, parsed.positionals);
  return { args, params: Array.isArray(param) ? param.map(String) : [] };
}

/** parseArgs' errors as sentences of ours. */
function usageError(name: CommandName, error: Error & { code?: string }, known: string[]): ReadybookError {
  const flag = /'(-[^' ]*)/.exec(error.message)?.[1] ?? '';
  const help = { hint: `Run \`readybook ${name} --help\` for its options.` };
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const near = closest(flag, known);
    return new ReadybookError('RB060', `unknown option ${flag} for \`readybook ${name}\`${near ? `; did you mean ${near}?` : ''}`, help);
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /--[\w-]+/.exec(error.message)?.[0] ?? flag;
    if (/argument missing/.test(error.message)) return new ReadybookError('RB060', `option ${option} needs a value`, help);
    if (/does not take an argument/.test(error.message)) return new ReadybookError('RB060', `option ${option} takes no value`, help);
    if (/ambiguous/.test(error.message)) return new ReadybookError('RB060', `option ${option} is followed by an option, not its value`, { hint: `Give a value starting with - as \`${option}=-value\`.` });
  }
  return new ReadybookError('RB060', error.message, help);
}

/** Refuses arguments no positional takes: `run hello.md NAME=Ada` must not run with the default. */
function checkPositionals(name: CommandName, spec: CommandSpec, given: readonly string[]): void {
  const positionals = Object.values(spec.args).filter((a) => a.type === 'positional');
  if (positionals.some((a) => a.variadic)) return;
  const stray = given.slice(positionals.length);
  if (stray.length === 0) return;
  const looksLikeParam = stray.find((s) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(s));
  throw new ReadybookError('RB060', `\`readybook ${name}\` takes ${positionals.length} argument${positionals.length === 1 ? '' : 's'}; ${stray.map((s) => JSON.stringify(s)).join(', ')} ${stray.length === 1 ? 'is' : 'are'} not used`, {
    hint: looksLikeParam ? `Params are passed as options: \`--param ${looksLikeParam}\`.` : (usage(name).split('\n')[0] as string),
  });
}

export async function main(argv: string[]): Promise<void> {
  // A closed terminal or pipe (`| head`, a dropped SSH session: EPIPE, EIO) must not stop a run
  // half-way: the journal keeps the record, so output errors are ignored.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  const err = makeStyle(process.stderr);
  // The command never finished (the event loop drained under it): that is never a success.
  let settled = false;
  const onBeforeExit = () => {
    if (settled) return;
    settled = true;
    process.stderr.write(`${err.red('internal error')}: the command stopped before it finished (a bug in Readybook; please report it with the command you ran)\n`);
    process.exitCode = EXIT.internal;
  };
  process.once('beforeExit', onBeforeExit);
  try {
    const code = await dispatch(argv);
    settled = true;
    process.exitCode = code;
  } catch (error) {
    settled = true;
    if (error instanceof ReadybookError) {
      // --json promises JSON on stdout: a program reading it gets the error as one object too.
      if (argv.includes('--json')) {
        process.stdout.write(`${JSON.stringify({ type: 'error', code: error.code, message: error.message, details: error.details, hint: error.hint, exitCode: error.exitCode })}\n`);
      }
      if (process.env.GITHUB_ACTIONS === 'true') {
        const { errorAnnotations } = await import('../ci/reports.js');
        errorAnnotations(error, process.cwd(), process.env, argv.includes('--json'));
      }
      process.stderr.write(`${err.red('error')} ${err.dim(error.code)}: ${error.message}\n`);
      for (const line of error.details) process.stderr.write(`  ${line}\n`);
      process.stderr.write(err.dim(`  hint: ${error.hint}\n`));
      process.exitCode = error.exitCode;
    } else {
      const e = error as Error;
      process.stderr.write(`${err.red('internal error')}: ${e?.message ?? String(error)}\n`);
      process.stderr.write(err.dim('  This is a bug in Readybook; please report it with the command you ran. Set READYBOOK_DEBUG=1 for the stack.\n'));
      if (process.env.READYBOOK_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
      process.exitCode = EXIT.internal;
    }
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const [first, ...raw] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = raw[0];
    process.stdout.write(`${usage(topic && topic in commands ? (topic as CommandName) : undefined)}\n`);
    return first === undefined ? EXIT.invalid : EXIT.passed;
  }
  if (first === '--version' || first === '-V') {
    process.stdout.write(`${version()}\n`);
    return EXIT.passed;
  }
  if (!(first in commands)) {
    const near = closest(first, Object.keys(commands));
    throw new ReadybookError('RB060', `unknown command ${JSON.stringify(first)}${near ? `; did you mean \`${near}\`?` : ''}`);
  }
  const name = first as CommandName;
  if (raw.includes('--help') || raw.includes('-h')) {
    process.stdout.write(`${usage(name)}\n`);
    return EXIT.passed;
  }
  const { args, params } = parseCommandArgs(name, raw);
  const spec: CommandSpec = commands[name];
  for (const [key, a] of Object.entries(spec.args)) {
    if (a.type === 'positional' && a.required && (args[key] === undefined || args[key] === '')) {
      throw new ReadybookError('RB060', `\`readybook ${name}\` needs <${a.valueHint ?? key}>`, { hint: usage(name).split('\n')[0] as string });
    }
  }
  const handler = await handlers[name]();
  return handler.default({ args, params, cwd: process.cwd(), env: process.env });
}
