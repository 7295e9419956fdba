import { readdir } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { ERRORS, EXIT, ReadybookError } from '../errors.js';
import { displayPath as sharedDisplayPath, resolveDocument } from '../runbook/resolve.js';
import { readSource } from '../document/source.js';
import { formatDiagnostics, hasErrors } from '../diagnostics.js';
import { parseChecklist } from './parse.js';
import type { Checklist, Diagnostic } from './types.js';

/** An invalid checklist: the first error's code, every error as a detail line, nothing evaluated. */
export function invalidChecklist(display: string, diagnostics: readonly Diagnostic[]): ReadybookError {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  return new ReadybookError(first?.code ?? 'CL041', `${display} is not a valid checklist (${errors.length} error${errors.length === 1 ? '' : 's'}); nothing was evaluated`, {
    details: formatDiagnostics(errors, { hint: false }),
    diagnostics: errors,
    hint: first?.hint ?? 'Fix the diagnostics above.',
    exitCode: EXIT.invalid,
  });
}

/**
 * A checklist argument is a path, or a name in `checklists/` without `.md`: the same rules as a
 * runbook argument (resolveDocument), reported as a checklist not found (CL040).
 */
export async function resolveChecklistPath(arg: string, cwd: string): Promise<string> {
  try {
    return resolveDocument(cwd, arg, 'checklists').path;
  } catch (error) {
    if (error instanceof ReadybookError && error.code === 'RB040') throw new ReadybookError('CL040', error.message, { details: error.details, ...(error.hint === ERRORS.RB040.hint ? {} : { hint: error.hint }) });
    throw error;
  }
}

/**
 * Reads and parses a checklist. Diagnostics name the file relative to `cwd`; runbook ids are checked against
 * `<root>/runbooks/*.md` (root: the repository root, default `cwd`) when that folder exists. Throws a ReadybookError when it has errors.
 */
export async function readChecklist(path: string, cwd: string, root = cwd): Promise<{ checklist: Checklist; diagnostics: Diagnostic[] }> {
  // The same reader as runbooks: at most 1 MiB, UTF-8 only (no NUL), a leading BOM dropped.
  const read = readSource(path, displayPath(path, cwd));
  if (!read.source) throw invalidChecklist(displayPath(path, cwd), read.diagnostics);
  const source = read.source.text;
  const runbooks = await readdir(join(root, 'runbooks')).then(
    (names) => names.filter((n) => n.endsWith('.md')).map((n) => n.slice(0, -3)),
    () => undefined,
  );
  const { checklist, diagnostics } = parseChecklist(source, displayPath(path, cwd), runbooks ? { runbooks } : {});
  if (!checklist || hasErrors(diagnostics)) throw invalidChecklist(displayPath(path, cwd), diagnostics);
  return { checklist, diagnostics };
}

/** Paths relative to where readybook runs, with `/`, so evaluations read the same on every machine. */
export function displayPath(path: string, cwd: string): string {
  return sharedDisplayPath(cwd, path).split(sep).join('/');
}
