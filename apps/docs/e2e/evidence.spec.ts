import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { evaluation, expiryOf } from './fixtures';

/** What the site shows for a checklist today: its verdict, or `expired` for a GO whose evidence expired. */
function shownVerdict(id: string): string {
  const result = evaluation(id);
  return result.verdict === 'GO' && Date.now() >= Date.parse(expiryOf(id).expiresAt) ? 'expired' : result.verdict;
}

test('a GO checklist shows its verdict, the measured RTO and the run it came from', async ({ page }) => {
  const go = evaluation('production-readiness');
  test.skip(go.verdict !== 'GO', `production-readiness was evaluated ${go.verdict}; run the demo and \`pnpm readybook check production-readiness\``);
  test.skip(shownVerdict('production-readiness') !== 'GO', `the GO expired at ${expiryOf('production-readiness').expiresAt}; run the demo and the check (expiry.spec.ts covers this page)`);
  await page.goto('./checklists/production-readiness/');
  const verdict = page.locator('.rb-verdict');
  await expect(verdict.locator('.rb-verdict-value').filter({ visible: true })).toHaveText('GO');
  await expect(verdict).toContainText(`required ${go.requiredCompletion.passing}/${go.requiredCompletion.total}`);
  await expect(verdict.locator('.rb-verdict-when time')).toHaveAttribute('datetime', go.evaluatedAt);
  await expect(page.locator('.rb-no-blocking')).toHaveText('No required item blocks the gate.');

  const rto = go.sections.flatMap((s) => s.items).find((i) => i.check?.startsWith('measure: dr-drill RTO_SECONDS'))!;
  const row = page.locator(`#item-${rto.line}`);
  await expect(row.locator('.rb-status')).toHaveText(rto.status);
  await expect(row.locator('.rb-actual-value')).toHaveText(rto.actual!);
  await expect(row.locator('.rb-actual')).toContainText(/\(\d+(\.\d+)? s\)/);
  await expect(row.locator('.rb-expected')).toContainText(rto.expected);
  await expect(row.locator('.rb-run-id')).toHaveText(rto.evidence!.runId);
  await expect(row).toContainText('required');
});

test('a NO-GO checklist lists its blocking items, each linked to its row', async ({ page }) => {
  const noGo = evaluation('launch-signoff');
  expect(noGo.verdict).toBe('NO-GO');
  await page.goto('./checklists/launch-signoff/');
  await expect(page.locator('.rb-verdict-value')).toHaveText('NO-GO');
  const blocking = page.locator('ol.rb-blocking > li');
  await expect(blocking).toHaveCount(noGo.blocking.length);
  for (const [index, item] of noGo.blocking.entries()) {
    await expect(blocking.nth(index).getByRole('link')).toHaveText(item.text);
    await expect(blocking.nth(index).locator('.rb-status')).toHaveText(item.status);
  }
  const first = noGo.blocking[0]!;
  await blocking.first().getByRole('link').click();
  await expect(page).toHaveURL(new RegExp(`#item-${first.line}$`));
  const row = page.locator(`#item-${first.line}`);
  await expect(row).toBeInViewport();
  await expect(row.locator('.rb-signoff')).toContainText('not signed yet; needs');
});

test('the checklist index shows each gate’s verdict, evaluation time and required completion', async ({ page }) => {
  await page.goto('./checklists/');
  for (const id of ['production-readiness', 'launch-signoff']) {
    const result = evaluation(id);
    const row = page.locator(`tr[data-checklist="${id}"]`);
    await expect(row.locator('.rb-index-verdict .rb-status').filter({ visible: true })).toHaveText(shownVerdict(id));
    await expect(row.locator('td.rb-index-evaluated time')).toHaveAttribute('datetime', result.evaluatedAt);
    await expect(row.locator('.rb-index-required')).toHaveText(`required ${result.requiredCompletion.passing}/${result.requiredCompletion.total}`);
  }
});

test('the DR drill page shows its latest evidence and a trend of run durations', async ({ page }) => {
  await page.goto('./runbooks/dr-drill/');
  const section = page.locator('section.rb-evidence');
  await expect(section.getByRole('heading', { level: 2, name: 'Latest evidence' })).toBeVisible();
  await expect(section.locator('.rb-latest .rb-run-id')).toHaveText(/^\d{8}T\d{6}Z-dr-drill-[0-9a-f]+$/);
  await expect(section.locator('.rb-run-source')).toContainText(/committed evidence|local journal/);
  await expect(section.locator('tr[data-output="RTO_SECONDS"] .rb-human')).toHaveText(/^\d+(\.\d+)? s$|^\d+m \d{2}s$/);
  const chart = section.getByRole('figure', { name: /Durations of the last \d+ finished runs?/ });
  await expect(chart).toBeVisible();
  const bars = chart.locator('.rb-trend-bar');
  expect(await bars.count()).toBeGreaterThan(0);
  // Each bar says in text which run it is, when it ended and how it ended; a rollback is not called a failure.
  const first = bars.first();
  const runId = await first.getAttribute('data-run-id');
  await expect(first.locator('.rb-trend-run')).toHaveText(runId!);
  await expect(first.locator('time')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
  for (const bar of await bars.all()) {
    const status = (await bar.getAttribute('data-status'))!;
    await expect(bar.locator('.rb-trend-status')).toHaveText(status.replace(/-/g, ' '));
  }
});

test('the new checklist and evidence parts have no accessibility violations at all', async ({ page }) => {
  // Several axe scans in one test: on a busy 2-core CI machine they outlast the default 30 s.
  test.setTimeout(120_000);
  for (const [path, parts] of [
    ['./checklists/production-readiness/', ['.rb-gate', 'ul.rb-items']],
    ['./checklists/launch-signoff/', ['.rb-gate', 'ul.rb-items']],
    ['./checklists/', ['table.rb-checklist-index']],
    ['./runbooks/dr-drill/', ['section.rb-evidence']],
  ] as const) {
    await page.goto(path);
    let axe = new AxeBuilder({ page });
    for (const part of parts) axe = axe.include(part);
    const { violations } = await axe.analyze();
    expect(violations.map((v) => `${path} ${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`)).toEqual([]);
  }
});
