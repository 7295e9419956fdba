import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The monorepo root. */
export const repoRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');

/**
 * Where the site reads runbooks/, decisions/, checklists/ and evidence/: `READYBOOK_CONTENT_ROOT` when set
 * (absolute, or relative to the repository root), else the repository root, where the engine reads them.
 */
export function contentRootFrom(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.READYBOOK_CONTENT_ROOT?.trim();
  return value ? path.resolve(repoRoot, value) : repoRoot;
}

/**
 * Where `readybook run` keeps its journals: `READYBOOK_HOME` (relative to the repository root, where the CLI
 * runs) or `<repo>/.readybook`. The site reads finished runs' reports from `<home>/runs/<run-id>/report.json`.
 */
export function readybookHomeFrom(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.READYBOOK_HOME?.trim();
  return value ? path.resolve(repoRoot, value) : path.join(repoRoot, '.readybook');
}

export const contentRoot = contentRootFrom();
export const readybookHome = readybookHomeFrom();

export const runbooksDir = path.join(contentRoot, 'runbooks');
export const decisionsDir = path.join(contentRoot, 'decisions');
export const checklistsDir = path.join(contentRoot, 'checklists');
export const evidenceDir = path.join(contentRoot, 'evidence');
export const evaluationsDir = path.join(evidenceDir, 'evaluations');

/** `<content root>/runbooks/hello.md` → `runbooks/hello.md`, the name diagnostics and links use. */
export function repoRelative(file: string, root: string = contentRoot): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/** Where the repository lives on GitHub; used for "view source" and CONTRIBUTING links. */
export const repoUrl = (process.env.REPO_URL ?? 'https://github.com/readybook/readybook').replace(/\/+$/, '');
