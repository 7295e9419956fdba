import { expect, test } from '@playwright/test';
import { evaluation, expiryOf, runbooks } from './fixtures';

/** What the site shows for a checklist: its verdict, or `expired` for a GO whose evidence expired. */
function shownVerdict(id: string): string {
  const result = evaluation(id);
  return result.verdict === 'GO' && Date.now() >= Date.parse(expiryOf(id).expiresAt) ? 'expired' : result.verdict;
}

test('a destructive runbook says so in a danger aside above the command, and in the sidebar', async ({ page }) => {
  const destructive = runbooks().filter((r) => (r.frontmatter as { destructive?: string }).destructive);
  expect(destructive.length).toBeGreaterThan(0);
  for (const runbook of destructive) {
    await page.goto(`./runbooks/${runbook.id}/`);
    const aside = page.locator('aside.starlight-aside--danger');
    await expect(aside).toContainText((runbook.frontmatter as { destructive: string }).destructive.slice(0, 20));
    const asideBox = (await aside.boundingBox())!;
    const runBox = (await page.locator('#run-it').boundingBox())!;
    expect(asideBox.y).toBeLessThan(runBox.y);
    const link = page.locator('nav[aria-label="Main"] a', { hasText: runbook.frontmatter.title });
    await expect(link.locator('.sl-badge')).toHaveText('destructive');
  }
  const safe = runbooks().find((r) => !(r.frontmatter as { destructive?: string }).destructive)!;
  await page.goto(`./runbooks/${safe.id}/`);
  await expect(page.locator('aside.starlight-aside--danger')).toHaveCount(0);
});

test('each copy button copies one command, with the required --params', async ({ page }) => {
  const withRequired = runbooks().find((r) => Object.values(r.frontmatter.params).some((p) => p.required && p.default === undefined)) ?? runbooks()[0]!;
  await page.goto(`./runbooks/${withRequired.id}/`);
  const blocks = page.locator('#run-it ~ .rb-commands .expressive-code');
  await expect(blocks).toHaveCount(2);
  for (const block of await blocks.all()) {
    const copied = (await block.locator('button[data-code]').getAttribute('data-code'))!;
    expect(copied.split(/\u007f|\n/).filter((l) => l.trim())).toHaveLength(1);
  }
  const run = (await blocks.first().locator('button[data-code]').getAttribute('data-code'))!;
  expect(run.startsWith(`pnpm readybook run ${withRequired.id}`)).toBe(true);
  for (const [name, param] of Object.entries(withRequired.frontmatter.params)) {
    if (param.required && param.default === undefined) expect(run).toContain(`--param ${name}=`);
  }
});

test('the home page links the most needed procedures and each gate’s current verdict', async ({ page }) => {
  await page.goto('./');
  const ids = new Set(runbooks().map((r) => r.id));
  const cards = page.locator('#in-an-incident ~ .card-grid').first().locator('a');
  expect(await cards.count()).toBeGreaterThan(0);
  for (const href of await cards.evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''))) {
    expect(ids.has(/\/runbooks\/([^/]+)\/$/.exec(href)?.[1] ?? '')).toBe(true);
  }
  for (const id of ['production-readiness', 'launch-signoff']) {
    await expect(page.locator(`.rb-gate-card[data-checklist="${id}"] .rb-status`).filter({ visible: true })).toHaveText(shownVerdict(id));
  }
});

test('the sidebar badges each checklist with its verdict and superseded ADRs', async ({ page }) => {
  await page.goto('./runbooks/hello/');
  const nav = page.locator('nav[aria-label="Main"]');
  for (const id of ['production-readiness', 'launch-signoff']) {
    const link = nav.locator(`a[href$="/checklists/${id}/"]`);
    await expect(link.locator('.sl-badge')).toHaveText(shownVerdict(id));
  }
  await expect(nav.locator('a .sl-badge', { hasText: 'superseded' }).first()).toBeVisible();
});

test('the 404 page links the runbooks, the go/no-go status and search', async ({ page }) => {
  const response = await page.goto('./no-such-page/');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
  await expect(page.getByRole('main').getByRole('link', { name: /Runbooks/ })).toHaveAttribute('href', /\/runbooks\/$/);
  await expect(page.getByRole('main').getByRole('link', { name: /Go\/no-go status/ })).toHaveAttribute('href', /\/checklists\/$/);
  await expect(page.getByRole('main')).toContainText('search');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByRole('dialog', { name: 'Search' })).toBeVisible();
});

test('Markdown pages link to their source and say when they last changed', async ({ page }) => {
  await page.goto('./reference/runbook-format/');
  await expect(page.getByRole('link', { name: 'Edit page' })).toHaveAttribute('href', /\/edit\/main\/apps\/docs\/src\/content\/docs\/reference\/runbook-format\.md$/);
  await expect(page.locator('footer time, .meta time').first()).toHaveAttribute('datetime', /^\d{4}-\d{2}-\d{2}/);
});

test('ADR labels sit on the same line as their values', async ({ page }) => {
  await page.goto('./decisions/0010-checklist-check-syntax/');
  for (const label of ['Status', 'Date']) {
    const dt = page.locator('.rb-adr-meta dt', { hasText: label });
    const dd = dt.locator('xpath=following-sibling::dd[1]');
    const [a, b] = [(await dt.boundingBox())!, (await dd.boundingBox())!];
    expect(Math.abs(a.y - b.y)).toBeLessThan(8);
  }
});
