import type { Page } from '@playwright/test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChecklistEvaluation } from '@readybook/engine/checklist';
import { parseChecklist } from '@readybook/engine/checklist';
import { parseRunbook, type Runbook } from '@readybook/engine/parse';
import { evaluationExpiry, type Expiry } from '../src/lib/expiry';

/** The content the site was built from: READYBOOK_CONTENT_ROOT as the site reads it, else the repository root. */
const repoRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const contentRoot = process.env.READYBOOK_CONTENT_ROOT?.trim() ? path.resolve(repoRoot, process.env.READYBOOK_CONTENT_ROOT) : repoRoot;
const runbooksDir = path.join(contentRoot, 'runbooks');

/** The evaluation `readybook check <id>` wrote, which the page must show. */
export function evaluation(id: string): ChecklistEvaluation {
  const file = path.join(contentRoot, 'evidence', 'evaluations', `${id}.json`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`pnpm readybook check ${id}\` and build the site`);
  return JSON.parse(readFileSync(file, 'utf8')) as ChecklistEvaluation;
}

/** Every runbook as the engine parses it: the tests derive their expectations from the same files the site does. */
export function runbooks(): Runbook[] {
  return readdirSync(runbooksDir)
    .filter((name) => name.endsWith('.md') && !name.startsWith('_'))
    .sort()
    .flatMap((name) => parseRunbook(readFileSync(path.join(runbooksDir, name), 'utf8'), `runbooks/${name}`).runbook ?? []);
}

export function runbook(id: string): Runbook {
  const found = runbooks().find((r) => r.id === id);
  if (!found) throw new Error(`runbooks/${id}.md is missing or invalid`);
  return found;
}

/**
 * A word that appears only inside the runbook's run/verify/rollback blocks: not in its title, prose or
 * params, and in no other runbook, so a search hit can only come from the indexed code.
 */
export function codeOnlyWord(id: string): string {
  const target = runbook(id);
  const code = target.steps.flatMap((s) => [s.run, s.verify, s.rollback]).flatMap((b) => (b ? [b.code] : [])).join('\n');
  const prose = [target.frontmatter.title, target.frontmatter.description ?? '', target.intro, JSON.stringify(target.frontmatter.params)]
    .concat(target.steps.map((s) => `${s.title} ${s.description}`))
    .join(' ')
    .toLowerCase();
  const others = runbooks()
    .filter((r) => r.id !== id)
    .map((r) => readFileSync(path.join(runbooksDir, `${r.id}.md`), 'utf8').toLowerCase())
    .join('\n');
  const words = [...new Set(code.match(/[A-Za-z]{5,}/g) ?? [])].filter((w) => !prose.includes(w.toLowerCase()));
  const word = words.find((w) => !others.includes(w.toLowerCase())) ?? words[0];
  if (!word) throw new Error(`runbooks/${id}.md has no word that appears only in its code blocks`);
  return word;
}

/** The checklist as the engine parses it (for its `max-age` and each item's `within`). */
export function checklist(id: string) {
  const rel = `checklists/${id}.md`;
  const parsed = parseChecklist(readFileSync(path.join(contentRoot, rel), 'utf8'), rel, {});
  if (!parsed.checklist) throw new Error(`${rel} does not parse`);
  return parsed.checklist;
}

/** When the evaluation of checklist `id` stops holding, worked out as the site does (src/lib/expiry.ts). */
export function expiryOf(id: string): Expiry {
  const parsed = checklist(id);
  const items = parsed.sections.flatMap((s) => s.items).map((i) => ({ line: i.line, text: i.text, ...('within' in i.check && i.check.within !== undefined ? { withinMs: i.check.within } : {}) }));
  return evaluationExpiry(evaluation(id), parsed.frontmatter['max-age'], items);
}

/**
 * A moment the evaluation of `id` certainly no longer holds, found without the site's code: 30 days after the
 * evaluator's `expiresAt`, or after `evaluatedAt` plus the checklist's `max-age` (no evidence outlives that).
 */
export function certainlyExpired(id: string): Date {
  const result = evaluation(id) as ChecklistEvaluation & { expiresAt?: string };
  const maxAge = checklist(id).frontmatter['max-age'] ?? 7 * 86_400_000;
  const end = result.expiresAt ? Date.parse(result.expiresAt) : Date.parse(result.evaluatedAt) + maxAge;
  return new Date(end + 30 * 86_400_000);
}

/** Every result of a Pagefind search, as page paths: the index itself, not the UI's first page of results. */
export async function search(page: Page, term: string): Promise<Array<{ url: string; excerpt: string; content: string }>> {
  return page.evaluate(async (query) => {
    // The site's own Pagefind bundle, next to its pages (under the base path).
    const base = (document.querySelector('link[rel="sitemap"]') as HTMLLinkElement | null)?.href.replace(/sitemap-index\.xml$/, '') ?? `${location.origin}/`;
    const pagefind = await import(/* @vite-ignore */ `${base}pagefind/pagefind.js`);
    const found = await pagefind.search(query);
    return Promise.all(found.results.map(async (r: { data: () => Promise<{ url: string; excerpt: string; content: string }> }) => r.data()));
  }, term);
}

