import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Loader, LoaderContext } from 'astro/loaders';
import { analyzeAlerts, siteBaseOf, type AlertDiagnostic, type AlertRule } from '@readybook/engine/alerts';
import { parseRunbookFile } from '@readybook/engine/parse';
import { reloadOnChange } from './watch.js';

/** One entry of the `alerts` collection: an alert rule, or (id `_problems`) what the cross-check found wrong. */
export type AlertEntry = ({ kind: 'rule' } & AlertRule) | { kind: 'problems'; diagnostics: AlertDiagnostic[] };

/**
 * Loads the alert rules of `<root>/monitoring/rules/` with the engine's reader and cross-check (the ones
 * `readybook validate` runs), against the runbooks' `alerts:`. The site's URL for the check is the configured
 * default (apps/docs/astro.config.ts), not a preview deployment's SITE_URL, since the rules are written against it.
 */
export function alertsLoader(root: string): Loader {
  return {
    name: 'readybook-alerts',
    async load(context) {
      load(context, root);
      reloadOnChange(context, path.join(root, 'monitoring', 'rules'), async () => load(context, root));
    },
  };
}

function load({ store, logger }: LoaderContext, root: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(path.join(root, 'runbooks')).filter((n) => n.endsWith('.md') && !n.startsWith('_'));
  } catch {
    // no runbooks: every runbook_url is then reported as naming no runbook
  }
  const runbooks = names.map((name) => {
    const parsed = parseRunbookFile(path.join(root, 'runbooks', name), `runbooks/${name}`);
    return { id: name.replace(/\.md$/, ''), file: `runbooks/${name}`, alerts: parsed.runbook?.frontmatter.alerts ?? [] };
  });
  const { rules, diagnostics } = analyzeAlerts({ repoRoot: root, runbooks, siteBase: siteBaseOf(root, {}) });
  store.clear();
  for (const d of diagnostics) logger.warn(`${d.file}:${d.line}: ${d.severity} ${d.code}: ${d.message}`);
  rules.forEach((rule, i) => void store.set({ id: `${String(i).padStart(3, '0')}-${rule.name}`, data: { kind: 'rule', ...rule } as unknown as Record<string, unknown> }));
  store.set({ id: '_problems', data: { kind: 'problems', diagnostics } as unknown as Record<string, unknown> });
}
