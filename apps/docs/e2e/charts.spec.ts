import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { contentRoot } from './fixtures';

/** The newest committed run of a runbook, as the charts read it (the page may also show newer local runs). */
function committedOutputs(runbookId: string): Record<string, string>[] {
  const dir = path.join(contentRoot, 'evidence', 'runs', runbookId);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => (JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { outputs: Record<string, string> }).outputs);
}

const cases = [
  { runbook: 'load-test', charts: 'load', titles: ['p95 latency under load', 'Error rate under load'] },
  { runbook: 'canary-deploy', charts: 'canary', titles: ['Canary error rate by stage', 'Canary p95 latency by stage'] },
] as const;

for (const width of [1280, 390]) {
  test.describe(`charts at ${width} px`, () => {
    test.use({ viewport: { width, height: 844 }, javaScriptEnabled: false });

    for (const { runbook, charts, titles } of cases) {
      test(`${runbook}: SVG charts drawn at build time, inside the page, with a title, a caption and a data table`, async ({ page }) => {
        expect(committedOutputs(runbook).length).toBeGreaterThan(0);
        await page.goto(`runbooks/${runbook}/`);
        const section = page.locator(`[data-charts="${charts}"]`);
        await expect(section).toHaveCount(1);
        // Each chart is an image named by its <title>, described by its visible caption.
        for (const title of titles) {
          const svg = section.getByRole('img', { name: title, exact: true });
          await expect(svg).toBeVisible();
          await expect(svg.locator('title').first()).toHaveText(title);
          const description = await svg.getAttribute('aria-describedby');
          const caption = page.locator(`[id="${description}"]`);
          await expect(caption).toBeVisible();
          expect((await caption.textContent())?.length ?? 0).toBeGreaterThan(20);
          // Bars carry their values as text, not only as heights.
          expect(await svg.locator('text.rb-metric-value').count()).toBeGreaterThan(0);
          // The chart fits its column: no wider than main, and it does not push the page sideways.
          const box = (await svg.boundingBox())!;
          const main = (await page.locator('main').boundingBox())!;
          expect(box.x).toBeGreaterThanOrEqual(main.x - 1);
          expect(box.x + box.width).toBeLessThanOrEqual(main.x + main.width + 1);
          expect(box.width).toBeGreaterThan(200);
        }
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow).toBeLessThanOrEqual(0);
        // The same numbers as a table, for readers who cannot see the bars.
        const table = section.getByRole('region', { name: /the data of the charts/ }).getByRole('table');
        await expect(table).toBeVisible();
        expect(await table.locator('tbody tr').count()).toBeGreaterThan(0);
        // No script draws them.
        expect(await section.locator('script').count()).toBe(0);
      });
    }

    test('load-test: the table shows the committed run p95 the runbook wrote', async ({ page }) => {
      await page.goto('runbooks/load-test/');
      const outputs = committedOutputs('load-test');
      const p95 = Number(outputs[0]!.P95_MS);
      await expect(page.locator('[data-charts="load"] table')).toContainText(`${Math.round(p95 * 10) / 10} ms`);
    });

    test('canary-deploy: each stage with its analysis result, in words', async ({ page }) => {
      await page.goto('runbooks/canary-deploy/');
      const stages = page.locator('[data-charts="canary"] .rb-canary-stage');
      expect(await stages.count()).toBeGreaterThan(0);
      const first = stages.first();
      await expect(first).toHaveAttribute('data-phase', /^(Successful|Failed|Inconclusive|Error)$/);
      await expect(first.locator('.rb-stage-phase')).toHaveText(/^(Successful|Failed|Inconclusive|Error)$/);
    });
  });
}

// axe runs in the page, so these need JavaScript (the charts themselves do not).
test.describe('charts, axe at 390 px', () => {
  test.use({ viewport: { width: 390, height: 844 } });
  for (const { runbook, charts } of cases) {
    test(`${runbook}: no serious or critical axe violations in the charts and their table`, async ({ page }) => {
      await page.goto(`runbooks/${runbook}/`);
      const { violations } = await new AxeBuilder({ page }).include(`[data-charts="${charts}"]`).analyze();
      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    });
  }
});
