import { expect, test, type Page } from '@playwright/test';
import { runbooks } from './fixtures';

/** Every result of a Pagefind search, as page paths: the index itself, not the UI's first page of results. */
async function search(page: Page, term: string): Promise<Array<{ url: string; excerpt: string; content: string }>> {
  return page.evaluate(async (query) => {
    const base = document.querySelector('link[rel="canonical"]') ? new URL('.', location.href).pathname : '/';
    void base;
    const root = (document.querySelector('script[src*="pagefind"]') as HTMLScriptElement | null)?.src ?? new URL('pagefind/pagefind.js', document.baseURI).href;
    const pagefind = await import(/* @vite-ignore */ root.includes('pagefind.js') ? root : new URL('pagefind/pagefind.js', document.baseURI).href);
    const found = await pagefind.search(query);
    return Promise.all(found.results.map(async (r: { data: () => Promise<{ url: string; excerpt: string; content: string }> }) => r.data()));
  }, term);
}

test('searching a program a runbook requires finds every runbook that requires it', async ({ page }) => {
  await page.goto('./');
  const byProgram = new Map<string, string[]>();
  for (const runbook of runbooks()) for (const program of runbook.frontmatter.requires) byProgram.set(program, [...(byProgram.get(program) ?? []), runbook.id]);
  expect(byProgram.size).toBeGreaterThan(0);
  for (const [program, ids] of byProgram) {
    const urls = (await search(page, program)).map((r) => r.url);
    for (const id of ids) expect(urls.some((url) => url.endsWith(`/runbooks/${id}/`)), `search "${program}" → ${urls.join(', ')}`).toBe(true);
  }
});

test('the index holds the page’s words, not its UI chrome or run-together facts', async ({ page }) => {
  await page.goto('./');
  const [hit] = (await search(page, 'sha256sum')).filter((r) => r.url.endsWith('/runbooks/dr-drill/'));
  expect(hit, 'dr-drill is found by sha256sum').toBeTruthy();
  const content = hit!.content;
  for (const chrome of ['```', 'Copy to clipboard', 'the action; the step fails if it exits non-zero', 'Terminal window']) expect(content).not.toContain(chrome);
  expect(content).not.toMatch(/\w(Source|Requires|Needs):/);
  const [gate] = (await search(page, 'production readiness')).filter((r) => r.url.endsWith('/checklists/production-readiness/'));
  expect(gate!.content).not.toMatch(/verdict[✔✖⌛]/);
});
