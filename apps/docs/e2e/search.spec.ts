import { expect, test } from '@playwright/test';
import { runbooks, search } from './fixtures';

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
