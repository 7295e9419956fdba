import { readdir } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { ReadybookError } from '../errors.js';
import { displayPath as sharedDisplayPath, resolveDocument } from '../runbook/resolve.js';
import { readSource } from '../document/source.js';
import { formatDiagnostics, hasErrors } from './diagnostics.js';
import { parseChecklist } from './parse.js';
import type { Checklist, Diagnostic } from './types.js';

export class InvalidChecklistError extends Error {
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(diagnostics.length > 0 ? `${message}\n${formatDiagnostics(diagnostics).join('\n')}` : message);
    this.name = 'InvalidChecklistError';
  }
}

/**
 * A checklist argument is a path, or a name in `checklists/` without `.md`: the same rules as a
 * runbook argument (resolveDocument), reported as an invalid checklist.
 */
export async function resolveChecklistPath(arg: string, cwd: string): Promise<string> {
  try {
    return resolveDocument(cwd, arg, 'checklists').path;
  } catch (error) {
    if (error instanceof ReadybookError) throw new InvalidChecklistError(error.message);
    throw error;
  }
}

/**
 * Reads and parses a checklist. Diagnostics name the file relative to `cwd`; runbook ids are checked against
 * `<root>/runbooks/*.md` (root: the repository root, default `cwd`) when that folder exists. Throws InvalidChecklistError when it has errors.
 */
export async function readChecklist(path: string, cwd: string, root = cwd): Promise<{ checklist: Checklist; diagnostics: Diagnostic[] }> {
  // The same reader as runbooks: at most 1 MiB, UTF-8 only (no NUL), a leading BOM dropped.
  const read = readSource(path, displayPath(path, cwd));
  if (!read.source) throw new InvalidChecklistError(`${displayPath(path, cwd)} is not a valid checklist`, read.diagnostics as Diagnostic[]);
  const source = read.source.text;
  const runbooks = await readdir(join(root, 'runbooks')).then(
    (names) => names.filter((n) => n.endsWith('.md')).map((n) => n.slice(0, -3)),
    () => undefined,
  );
  const { checklist, diagnostics } = parseChecklist(source, displayPath(path, cwd), runbooks ? { runbooks } : {});
  if (!checklist || hasErrors(diagnostics)) throw new InvalidChecklistError(`${displayPath(path, cwd)} is not a valid checklist`, diagnostics);
  return { checklist, diagnostics };
}

/** Paths relative to where readybook runs, with `/`, so evaluations read the same on every machine. */
export function displayPath(path: string, cwd: string): string {
  return sharedDisplayPath(cwd, path).split(sep).join('/');
}
