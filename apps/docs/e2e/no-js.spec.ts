import { expect, test } from '@playwright/test';
import { runbook } from './fixtures';

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
  await expect(page.locator('section.rb-evidence svg.rb-trend-chart')).toBeVisible();
  await expect(page.locator('section.rb-evidence .rb-trend-bar').first()).toBeVisible();
});
