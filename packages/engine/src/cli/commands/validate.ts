import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandContext } from '../main.js';
import { formatDiagnostics, type Diagnostic } from '../../diagnostics.js';
import { EXIT, ReadybookError } from '../../errors.js';
import { hasErrors, parseRunbookFile, type Runbook } from '../../runbook/parse.js';
import { checkBlockSyntax } from '../../runbook/syntax.js';
import { assertInside, displayPath, findUp, listMarkdown } from '../../runbook/resolve.js';
import { makeStyle } from '../present/style.js';
import { alertDiagnostics } from '../../alerts/validate.js';
import { failedReports, junitOption, validateReports, type CiContext } from '../../ci/reports.js';

export default async function validate({ args, cwd, env }: CommandContext): Promise<number> {
  const junit = junitOption(args, cwd);
  const ci: CiContext = { cwd, env, json: args.json === true, ...(junit ? { junit } : {}) };
  try {
    return await validateFiles(args, cwd, ci);
  } catch (error) {
    await failedReports(ci, 'validate', args._.length > 0 ? args._.join(' ') : 'runbooks', error);
    throw error;
  }
}

async function validateFiles(args: CommandContext['args'], cwd: string, ci: CiContext): Promise<number> {
  const targets = args._.length > 0 ? args._ : [];
  const files: Array<{ path: string; root?: string }> = [];
  if (targets.length === 0) {
    const root = findUp(cwd, 'runbooks');
    if (!root) throw new ReadybookError('RB040', `no runbooks/ folder found from ${cwd}`, { hint: 'Pass runbook paths, or run from a repository with a runbooks/ folder.' });
    for (const f of listMarkdown(root)) files.push({ path: join(root, f), root });
  } else {
    for (const target of targets) {
      const path = resolve(cwd, target);
      let isDir = false;
      try {
        isDir = statSync(path).isDirectory();
      } catch {
        throw new ReadybookError('RB040', `${target} does not exist`);
      }
      if (isDir) for (const f of listMarkdown(path)) files.push({ path: join(path, f), root: path });
      else files.push({ path });
    }
  }
  const results: Array<{ diagnostics: Diagnostic[]; runbook?: Runbook }> = [];
  for (const { path, root } of files) {
    const display = displayPath(cwd, path);
    try {
      if (root) assertInside(root, path, display);
      const parsed = parseRunbookFile(path, display);
      results.push({ diagnostics: parsed.diagnostics, ...(parsed.runbook && !hasErrors(parsed.diagnostics) ? { runbook: parsed.runbook } : {}) });
    } catch (error) {
      results.push({ diagnostics: [{ file: display, line: 1, column: 1, code: (error as ReadybookError).code ?? 'RB040', message: (error as Error).message, severity: 'error' }] });
    }
  }
  // Every runbook that parsed has its blocks syntax-checked in one go (one `bash -n` for all).
  const parsed = results.filter((r): r is { diagnostics: Diagnostic[]; runbook: Runbook } => r.runbook !== undefined);
  for (const [i, problems] of checkBlockSyntax(parsed.map((r) => r.runbook)).entries()) parsed[i]?.diagnostics.push(...problems);
  const all: Diagnostic[] = [];
  let valid = 0;
  for (const { diagnostics } of results) {
    if (!diagnostics.some((d) => d.severity === 'error')) valid += 1;
    all.push(...diagnostics);
  }
  if (targets.length === 0) all.push(...alertDiagnostics(cwd, files, parsed.map((r) => r.runbook)));
  const errors = all.filter((d) => d.severity === 'error').length;
  await validateReports(ci, files.map((f) => displayPath(cwd, f.path)), all);
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ files: files.length, valid, errors, diagnostics: all })}\n`);
  } else {
    const style = makeStyle(process.stderr);
    for (const line of formatDiagnostics(all, { everyOne: '`readybook validate --json`' })) process.stderr.write(`${line}\n`);
    const out = makeStyle(process.stdout);
    const summary = `${valid}/${files.length} runbook${files.length === 1 ? '' : 's'} valid${errors ? `, ${errors} error${errors === 1 ? '' : 's'}` : ''}`;
    process.stdout.write(`${errors ? style.red(summary) : out.green(summary)}\n`);
  }
  return errors > 0 || files.length === 0 ? EXIT.invalid : EXIT.passed;
}
