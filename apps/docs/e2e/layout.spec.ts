import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

/** One page of every kind the site has. */
const pages: Record<string, string> = {
  home: './',
  guide: './reference/runbook-format/',
  runbook: './runbooks/dr-drill/',
  'runbook (small)': './runbooks/hello/',
  'runbook (plan only, patterns)': './runbooks/k8s-deploy/',
  'runbooks index': './runbooks/',
  adr: './decisions/0010-checklist-check-syntax/',
  'decision log': './decisions/',
  'checklist GO': './checklists/production-readiness/',
  'checklist NO-GO': './checklists/launch-signoff/',
  'checklist index': './checklists/',
  reliability: './reference/reliability/',
  cli: './reference/cli/',
  'guide (run in CI)': './guides/run-in-ci/',
  '404': './this-page-does-not-exist/',
};

const viewports = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
const themes = ['light', 'dark'] as const;

/**
 * Starlight's header search button is labelled "Search" while it also shows the "Ctrl K" shortcut, which
 * axe reports as label-content-name-mismatch. It is upstream markup we do not own; only that node of that
 * rule is waived, everything else on every page must pass.
 */
function isStarlightSearchButton(rule: string, target: string): boolean {
  return rule === 'label-content-name-mismatch' && target === 'button[data-open-modal=""]';
}

async function open(page: Page, path: string, theme: (typeof themes)[number]): Promise<string[]> {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !(path.includes('does-not-exist') && /404/.test(message.text()))) errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  // Starlight keeps the reader's theme choice in localStorage; set it before the page's own script reads it.
  await page.addInitScript((t) => localStorage.setItem('starlight-theme', t), theme);
  await page.emulateMedia({ colorScheme: theme });
  await page.goto(path);
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme, { timeout: 15_000 });
  return errors;
}

for (const [viewportName, viewport] of Object.entries(viewports)) {
  for (const theme of themes) {
    test.describe(`${viewportName} ${viewport.width}×${viewport.height}, ${theme}`, () => {
      test.use({ viewport });
      for (const [kind, path] of Object.entries(pages)) {
        test(`${kind}: fits the width, no console errors, no serious or critical axe violations`, async ({ page }) => {
          test.setTimeout(120_000);
          const errors = await open(page, path, theme);
          await page.waitForLoadState('networkidle');
          const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
          expect(width.scroll, `page is ${width.scroll} px wide in a ${width.client} px window`).toBeLessThanOrEqual(width.client);

          // A table wider than its column must scroll inside a focusable, labelled region, not push the page.
          const unreachable = await page.locator('main table').evaluateAll((tables) =>
            tables
              // Wider than its column, or scrolling inside itself (Starlight makes Markdown tables display: block).
              .filter((t) => t.getBoundingClientRect().width > (t.parentElement?.clientWidth ?? 0) + 1 || t.scrollWidth > t.clientWidth + 1)
              .filter((t) => !t.closest('[role="region"][tabindex="0"][aria-label]'))
              .map((t) => t.className || t.outerHTML.slice(0, 80)),
          );
          expect(unreachable).toEqual([]);

          // Landmark regions (scrolling tables and code blocks) each have a name of their own.
          const regions = await page.locator('main [role="region"]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('aria-label') ?? ''));
          expect(regions.filter((name) => name === ''), 'unnamed regions').toEqual([]);
          expect(regions.filter((name, i) => regions.indexOf(name) !== i), 'regions sharing a name').toEqual([]);

          const { violations } = await new AxeBuilder({ page }).analyze();
          const blocking = violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => ({ ...v, nodes: v.nodes.filter((n) => !isStarlightSearchButton(v.id, n.target.join(' '))) }))
            .filter((v) => v.nodes.length > 0)
            .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
          expect(blocking).toEqual([]);
          expect(errors).toEqual([]);
        });
      }
    });
  }
}

test.describe('desktop 1280×800', () => {
  test.use({ viewport: viewports.desktop });
  for (const path of ['./runbooks/dr-drill/', './runbooks/hello/', './runbooks/k8s-deploy/']) {
    test(`the run command of ${path} is within the first screen`, async ({ page }) => {
      await page.goto(path);
      const run = page.locator('#run-it ~ .rb-commands .expressive-code').first();
      await expect(run).toContainText('pnpm readybook run');
      const box = (await run.boundingBox())!;
      expect(box.y + box.height, 'bottom of the run command, in px from the top').toBeLessThanOrEqual(800);
    });
  }
});

test.describe('phone 390×844', () => {
  test.use({ viewport: viewports.phone });
  test('diagram and chart text is at least 12 px as drawn', async ({ page }) => {
    await page.goto('./runbooks/dr-drill/');
    const sizes = await page.locator('main svg text, main .rb-trend-chart *').evaluateAll((nodes) =>
      nodes.flatMap((node) => {
        if (!node.textContent?.trim() || node.children.length > 0) return [];
        const size = parseFloat(getComputedStyle(node).fontSize);
        const svg = node instanceof SVGElement ? node.ownerSVGElement : null;
        // SVG text is scaled with its drawing: its size on screen is its font size times the drawing's scale.
        const scale = svg ? svg.getBoundingClientRect().width / svg.viewBox.baseVal.width : 1;
        return [{ text: node.textContent.trim().slice(0, 30), px: Math.round(size * scale * 10) / 10 }];
      }),
    );
    expect(sizes.length).toBeGreaterThan(0);
    expect(sizes.filter((s) => s.px < 12)).toEqual([]);
  });
});
