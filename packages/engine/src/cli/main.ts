import { readFileSync } from 'node:fs';
import { parseArgs } from 'citty';
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

/** Splits out repeated `--param` values and rejects options the command does not have. */
function splitArgs(name: CommandName, raw: string[]): { rest: string[]; params: string[] } {
  const spec: CommandSpec = commands[name];
  const known = new Map<string, ArgSpec>();
  for (const [key, arg] of Object.entries({ ...spec.args, ...globalOptions })) {
    if (arg.type === 'positional') continue;
    known.set(`--${key}`, arg);
    for (const alias of arg.alias ?? []) known.set(`-${alias}`, arg);
  }
  const rest: string[] = [];
  const params: string[] = [];
  for (let i = 0; i < raw.length; i += 1) {
    const token = raw[i] as string;
    if (token === '--') {
      rest.push(...raw.slice(i));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      rest.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const flag = eq > 0 ? token.slice(0, eq) : token;
    const arg = known.get(flag);
    if (!arg) {
      const near = closest(flag, known.keys());
      throw new ReadybookError('RB060', `unknown option ${flag} for \`readybook ${name}\`${near ? `; did you mean ${near}?` : ''}`, { hint: `Run \`readybook ${name} --help\` for its options.` });
    }
    const isParam = flag === '--param' || flag === '-p';
    if (arg.type === 'string') {
      const value = eq > 0 ? token.slice(eq + 1) : raw[++i];
      if (value === undefined) throw new ReadybookError('RB060', `option ${flag} needs a value`);
      if (isParam) params.push(value);
      else rest.push(`${flag}=${value}`);
      continue;
    }
    rest.push(token);
  }
  return { rest, params };
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

function toCitty(spec: CommandSpec) {
  return Object.fromEntries(
    Object.entries(spec.args).map(([key, a]) => [key, { type: a.type, description: a.description, required: false, ...(a.alias ? { alias: a.alias } : {}), ...(a.default !== undefined ? { default: a.default } : {}) }]),
  ) as Parameters<typeof parseArgs>[1];
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
  const { rest, params } = splitArgs(name, raw);
  const spec: CommandSpec = commands[name];
  const args = parseArgs(rest, toCitty(spec)) as CommandContext['args'];
  checkPositionals(name, spec, args._);
  for (const [key, a] of Object.entries(spec.args)) {
    if (a.type === 'positional' && a.required && (args[key] === undefined || args[key] === '')) {
      throw new ReadybookError('RB060', `\`readybook ${name}\` needs <${a.valueHint ?? key}>`, { hint: usage(name).split('\n')[0] as string });
    }
  }
  const handler = await handlers[name]();
  return handler.default({ args, params, cwd: process.cwd(), env: process.env });
}
