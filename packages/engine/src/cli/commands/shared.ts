import { EXIT, ReadybookError } from '../../errors.js';
import type { CommandContext } from '../main.js';
import { execute, type ExecuteOptions } from '../../run/execute.js';
import { readybookHome } from '../../record/home.js';
import type { Runbook } from '../../runbook/parse.js';
import { resolveParams, type ResolvedParam } from '../../runbook/params.js';
import { checkParamValue } from '@readybook/schema';
import type { Confirm } from '../../run/context.js';
import { humanPresenter, jsonPresenter, type Presenter } from '../present/human.js';
import { missingPrograms } from '../../runbook/requires.js';
import { displayPath } from '../../runbook/resolve.js';
import { publishRunDir } from '../../metrics/push.js';
import { Masker } from '../../run/mask.js';
import { loadReport } from '../../record/runs.js';
import { failedReports, junitOption, runReports, type CiContext } from '../../ci/reports.js';

/** A neutral mark when a prompt is answered: a green ✔ would read as "passed" even for "no". */
const PROMPT_THEME = { prefix: { idle: '?', done: '›' } };

/**
 * Asks the operator on a terminal; never called without one. The live line is stopped first so
 * the prompt and what is typed stay readable. Ctrl-C at the prompt, or the run being stopped
 * (SIGTERM, SIGHUP) while it waits, answers `interrupted`.
 */
function confirmOnTty(presenter: Presenter): Confirm {
  return async (step, signal) => {
    presenter.pause();
    const { default: confirm } = await import('@inquirer/confirm');
    try {
      const done = await confirm({ message: `Step ${step.index} "${step.title}" is manual. Done?`, default: false, theme: PROMPT_THEME }, { signal });
      return done ? 'yes' : 'no';
    } catch {
      return 'interrupted'; // Ctrl-C, closed input, or the run's stop signal at the prompt
    }
  };
}

/** Whether a person is at a terminal to answer prompts (never with --json, never in CI pipes). */
export function isInteractive(ctx: CommandContext): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY) && !ctx.args.json;
}

/**
 * Resolves params; at a terminal, a missing required param is asked for (a secret without echo)
 * instead of refused, and checked like a `--param` value. Without a terminal it is exit 2.
 */
export async function resolveOrPrompt(ctx: CommandContext, runbook: Runbook, flags: Map<string, string>, fallback: ReadonlyMap<string, string> = new Map()): Promise<ResolvedParam[]> {
  if (!isInteractive(ctx)) return resolveParams(runbook, flags, ctx.env, fallback);
  const partial = resolveParams(runbook, flags, ctx.env, fallback, { allowMissing: true });
  const missing = partial.filter((p) => p.value === undefined && runbook.frontmatter.params[p.name]?.required);
  if (missing.length === 0) return partial;
  const { default: input } = await import('@inquirer/input');
  const { default: password } = await import('@inquirer/password');
  const given = new Map(flags);
  for (const param of missing) {
    const spec = runbook.frontmatter.params[param.name];
    const message = `${param.name}${spec?.description ? ` (${spec.description})` : ''}:`;
    const validate = (value: string) => {
      if (value === '') return 'required';
      const problem = spec ? checkParamValue(spec, value) : undefined;
      return problem ? (param.secret ? 'not a valid value' : problem) : true;
    };
    try {
      given.set(param.name, param.secret ? await password({ message, mask: '*', validate, theme: PROMPT_THEME }) : await input({ message, validate, theme: PROMPT_THEME }));
    } catch {
      throw new ReadybookError('RB031', `param ${param.name} is required and was not given (the prompt was interrupted); nothing was run`, { exitCode: EXIT.interrupted });
    }
  }
  return resolveParams(runbook, given, ctx.env, fallback);
}

/** Shared by `run` and `resume`: checks that can refuse before anything runs, then executes. */
export async function runWithPresenter(
  ctx: CommandContext,
  runbook: Runbook,
  path: string,
  params: ResolvedParam[],
  resume?: ExecuteOptions['resume'],
  skip: ReadonlySet<number> = new Set(),
  ci?: CiContext,
): Promise<number> {
  const yes = ctx.args.yes === true;
  const interactive = isInteractive(ctx);
  const manual = runbook.steps.filter((s) => s.manual && !skip.has(s.index));
  if (manual.length > 0 && !yes && !interactive) {
    throw new ReadybookError('RB044', `${runbook.file} has manual step${manual.length > 1 ? 's' : ''} ${manual.map((s) => `${s.index} "${s.title}"`).join(', ')} and this run is not interactive; nothing was run`);
  }
  const missing = missingPrograms(runbook.frontmatter.requires, ctx.env);
  if (missing.length > 0) {
    throw new ReadybookError('RB045', `${runbook.file} requires ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not on PATH; nothing was run`);
  }
  const home = readybookHome(ctx.cwd, ctx.env);
  const presenter = ctx.args.json ? jsonPresenter() : humanPresenter({ steps: runbook.steps.length, verbose: ctx.args.verbose === true, home: displayPath(ctx.cwd, home) });
  // Once the run has ended, a late signal must not kill the process before the JUnit file is
  // written: execute() handles stop signals while it runs, this ignores them until we return.
  const ignore = () => undefined;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, ignore);
  try {
    return await executeAndReport(ctx, runbook, path, params, yes, presenter, home, resume, ci);
  } finally {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, ignore);
  }
}

async function executeAndReport(
  ctx: CommandContext,
  runbook: Runbook,
  path: string,
  params: ResolvedParam[],
  yes: boolean,
  presenter: Presenter,
  home: string,
  resume: ExecuteOptions['resume'] | undefined,
  ci: CiContext | undefined,
): Promise<number> {
  const result = await execute({
    runbook,
    path,
    params,
    cwd: ctx.cwd,
    home,
    env: ctx.env,
    yes,
    noRollback: ctx.args['no-rollback'] === true,
    confirm: confirmOnTty(presenter),
    fullOutput: ctx.args.json === true || ctx.args.verbose === true,
    liveOutput: ctx.args.json === true || ctx.args.verbose === true || Boolean(process.stdout.isTTY),
    onEvent: presenter.onEvent,
    notice: (text) => process.stderr.write(`store: ${text}\n`),
    ...(resume ? { resume } : {}),
  });
  if (result.storeWarning) process.stderr.write(`warning: ${result.storeWarning}\n`);
  await publishRunDir(result.dir, runbook.frontmatter.metrics, ctx.env);
  if (ci) {
    const masker = new Masker(params.filter((p) => p.secret).map((p) => p.value));
    await runReports(ci, loadReport(home, result.runId), runbook, (text) => masker.mask(text));
  }
  return result.exitCode;
}

/**
 * `run` and `resume` with their CI reports: the `--junit` path is checked before anything runs,
 * and an error that stops the command (an invalid runbook, a lock, a missing program) still
 * leaves a JUnit file saying so.
 */
export async function withCiReports(ctx: CommandContext, command: 'run' | 'resume', subject: string, body: (ci: CiContext) => Promise<number>): Promise<number> {
  const ci: CiContext = { cwd: ctx.cwd, env: ctx.env, json: ctx.args.json === true };
  const junit = junitOption(ctx.args, ctx.cwd);
  if (junit) ci.junit = junit;
  try {
    return await body(ci);
  } catch (error) {
    await failedReports(ci, command, subject, error);
    throw error;
  }
}

export { EXIT };
