import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The repository a runbook or checklist belongs to: the nearest ancestor of the file with `.git`, else
 * the parent of the `runbooks/` or `checklists/` folder the file is in, else the file's folder. Evidence
 * names runbooks by their path relative to this root, so the answer never depends on the working directory.
 */
export function repoRootOf(file: string): string {
  const start = dirname(resolve(file));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) break;
  }
  const folder = basename(start);
  if (folder === 'runbooks' || folder === 'checklists') return dirname(start);
  return start;
}

/** `path` relative to `root`, with `/` (the same on every machine). */
export function repoPath(root: string, path: string): string {
  return relative(root, resolve(path)).split(sep).join('/');
}

/** The commit checked out at `root`, and whether `path` differs from it; undefined outside git or without git. */
export function gitState(root: string, path?: string): { commit: string; dirty?: boolean } | undefined {
  if (!existsSync(join(root, '.git'))) return undefined;
  const git = (args: string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 }).trim();
  try {
    const commit = git(['rev-parse', 'HEAD']);
    if (!/^[0-9a-f]{40,64}$/.test(commit)) return undefined;
    if (path === undefined) return { commit };
    const status = git(['status', '--porcelain', '--', repoPath(root, path)]);
    return { commit, dirty: status !== '' };
  } catch {
    return undefined;
  }
}
