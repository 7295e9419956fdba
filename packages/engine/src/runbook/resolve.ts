import { existsSync, lstatSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { closest } from '../suggest.js';
import { ReadybookError } from '../errors.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Finds `<dir>/` in the working directory or its nearest ancestor that has one. */
export function findUp(cwd: string, dir: string): string | undefined {
  let current = resolve(cwd);
  for (;;) {
    const candidate = join(current, dir);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/** Shows a path relative to the working directory when it is inside it. */
export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/**
 * Resolves `<runbook>` (or `<checklist>`): a path to a .md file, or a bare name looked up in
 * `<kind>/` (e.g. runbooks/) of the working directory or an ancestor. A name never contains a path
 * separator or `..`, and a named file that is a symlink leading outside its folder is refused.
 */
export function resolveDocument(cwd: string, arg: string, folder: string): { path: string; display: string } {
  const looksLikePath = arg.includes('/') || arg.includes(sep) || arg.endsWith('.md');
  if (looksLikePath) {
    const path = resolve(cwd, arg);
    if (!existsSync(path)) throw new ReadybookError('RB040', `${arg} does not exist`);
    return { path, display: displayPath(cwd, path) };
  }
  if (!NAME.test(arg) || arg.includes('..')) {
    throw new ReadybookError('RB040', `${JSON.stringify(arg)} is not a ${folder.replace(/s$/, '')} name (letters, digits, ., _ and -)`);
  }
  const root = findUp(cwd, folder);
  const path = root ? join(root, `${arg}.md`) : undefined;
  if (!root || !path || !existsSync(path)) {
    const kind = folder.replace(/s$/, '');
    const known = root ? listMarkdown(root).map((f) => f.replace(/\.md$/, '')) : [];
    const where = !root ? ` and no ${join(cwd, folder)}/` : known.length > 0 ? ` (${folder}: ${known.join(', ')})` : ` in ${displayPath(cwd, root)}`;
    const near = closest(arg, known);
    throw new ReadybookError('RB040', `no ${kind} ${arg}${where}${near ? `; did you mean \`${near}\`?` : ''}`);
  }
  assertInside(root, path, arg);
  return { path, display: displayPath(cwd, path) };
}

/** Refuses a file that is (or goes through) a symlink leading outside `root`. */
export function assertInside(root: string, path: string, label: string): void {
  const realRoot = realpathSync(root);
  const real = realpathSync(path);
  if (real !== realRoot && !real.startsWith(realRoot + sep)) {
    throw new ReadybookError('RB040', `${label} is a symlink to ${real}, outside ${root}; refusing to read it`, {
      hint: 'Pass the target path explicitly if you mean to run a file outside the folder.',
    });
  }
}

export function listMarkdown(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && !f.startsWith('_') && f.toLowerCase() !== 'readme.md')
    .filter((f) => {
      try {
        return !lstatSync(join(dir, f)).isDirectory();
      } catch {
        return false;
      }
    })
    .sort();
}
