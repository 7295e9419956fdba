import { expect, test } from '@playwright/test';
import { evaluation, runbook } from './fixtures';

test.use({ javaScriptEnabled: false });

test('a runbook page is readable with JavaScript disabled', async ({ page }) => {
  const hello = runbook('hello');
  await page.goto('./runbooks/hello/');
  await expect(page.getByRole('heading', { level: 1, name: hello.frontmatter.title })).toBeVisible();
  await expect(page.locator('table.rb-params')).toBeVisible();
  for (const step of hello.steps) {
    await expect(page.locator(`#step-${step.index}`)).toContainText(step.title);
    if (step.run) await expect(page.locator(`#step-${step.index} .rb-block-run pre`)).toContainText(step.run.code.split('\n')[0]!.trim());
  }
  await expect(page.locator('svg.rb-flow')).toBeVisible();
});

test('the runbook trend chart is drawn at build time, with no JavaScript', async ({ page }) => {
  await page.goto('./runbooks/dr-drill/');
  await expect(page.locator('section.rb-evidence ol.rb-trend-chart')).toBeVisible();
  await expect(page.locator('section.rb-evidence .rb-trend-bar .rb-trend-fill').first()).toBeVisible();
});

test('a checklist verdict says how long it holds, or that it expired, with JavaScript disabled', async ({ page }) => {
  const go = evaluation('production-readiness');
  test.skip(go.verdict !== 'GO', 'production-readiness is not GO');
  await page.goto('./checklists/production-readiness/');
  const box = page.locator('.rb-verdict');
  await expect(box).toBeVisible();
  const verdict = await box.getAttribute('data-verdict');
  if (verdict === 'GO') {
    // Built before the expiry: the page cannot check the clock, so it says until when GO holds.
    await expect(box.locator('.rb-verdict-valid')).toContainText('Valid until');
    // Chromium parses <noscript> as text even with scripts disabled, so read what it holds.
    expect(await box.locator('.rb-verdict-valid noscript').textContent()).toContain('this GO no longer holds');
  } else {
    expect(verdict).toBe('expired');
    await expect(box.locator('ol.rb-reruns > li').last()).toHaveText('pnpm readybook check production-readiness');
  }
});
