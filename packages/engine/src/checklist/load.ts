import { access, readdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { readSource } from '../source.js';
import { formatDiagnostic, hasErrors } from './diagnostics.js';
import { parseChecklist } from './parse.js';
import type { Checklist, Diagnostic } from './types.js';

export class InvalidChecklistError extends Error {
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(diagnostics.length > 0 ? `${message}\n${diagnostics.map((d) => formatDiagnostic(d)).join('\n')}` : message);
    this.name = 'InvalidChecklistError';
  }
}

/** A checklist argument is a path, or a name in `<cwd>/checklists/` without `.md`. */
export async function resolveChecklistPath(arg: string, cwd: string): Promise<string> {
  const candidates = /[\\/]|\.md$/i.test(arg) ? [resolve(cwd, arg)] : [join(cwd, 'checklists', `${arg}.md`), resolve(cwd, arg)];
  for (const path of candidates) {
    try {
      await access(path);
      return path;
    } catch {
      // try the next
    }
  }
  const names = (await readdir(join(cwd, 'checklists')).catch(() => [] as string[])).filter((n) => n.endsWith('.md')).map((n) => n.slice(0, -3));
  throw new InvalidChecklistError(`no checklist ${arg}${names.length > 0 ? ` (checklists: ${names.join(', ')})` : ` and no ${join(cwd, 'checklists')}/`}`);
}

/**
 * Reads and parses a checklist. Diagnostics name the file relative to `cwd`; runbook ids are checked against
 * `<cwd>/runbooks/*.md` when that folder exists. Throws InvalidChecklistError when it has errors.
 */
export async function readChecklist(path: string, cwd: string): Promise<{ checklist: Checklist; diagnostics: Diagnostic[] }> {
  // The same reader as runbooks: at most 1 MiB, UTF-8 only (no NUL), a leading BOM dropped.
  const read = readSource(path, displayPath(path, cwd));
  if (!read.source) throw new InvalidChecklistError(`${displayPath(path, cwd)} is not a valid checklist`, read.diagnostics as Diagnostic[]);
  const source = read.source.text;
  const runbooks = await readdir(join(cwd, 'runbooks')).then(
    (names) => names.filter((n) => n.endsWith('.md')).map((n) => n.slice(0, -3)),
    () => undefined,
  );
  const { checklist, diagnostics } = parseChecklist(source, displayPath(path, cwd), runbooks ? { runbooks } : {});
  if (!checklist || hasErrors(diagnostics)) throw new InvalidChecklistError(`${displayPath(path, cwd)} is not a valid checklist`, diagnostics);
  return { checklist, diagnostics };
}

/** Paths relative to where readybook runs, with `/`, so evaluations read the same on every machine. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return (rel.startsWith('..') || isAbsolute(rel) ? path : rel).split(sep).join('/');
}
