import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The monorepo root: the site reads runbooks, decisions and checklists where the engine reads them. */
export const repoRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');

export const runbooksDir = path.join(repoRoot, 'runbooks');
export const decisionsDir = path.join(repoRoot, 'decisions');
export const checklistsDir = path.join(repoRoot, 'checklists');
export const evaluationsDir = path.join(repoRoot, 'evidence', 'evaluations');

/** `/work/main/runbooks/hello.md` → `runbooks/hello.md`, the name diagnostics and links use. */
export function repoRelative(file: string): string {
  return path.relative(repoRoot, file).split(path.sep).join('/');
}

/** Where the repository lives on GitHub; used for "view source" and CONTRIBUTING links. */
export const repoUrl = (process.env.REPO_URL ?? 'https://github.com/readybook/readybook').replace(/\/+$/, '');
