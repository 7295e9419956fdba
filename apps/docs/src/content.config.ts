import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { docsLoader, i18nLoader } from '@astrojs/starlight/loaders';
import { docsSchema, i18nSchema } from '@astrojs/starlight/schema';
import { adrFrontmatterSchema } from '@readybook/schema';
import { checklistLoader } from './lib/checklist-loader';
import { contentRoot, decisionsDir, evaluationsDir, evidenceDir, readybookHome, runbooksDir } from './lib/paths';
import { runsLoader } from './lib/runs';
import { storeConfig, storeTimeoutMs } from '@readybook/engine';
import { runbookLoader } from './lib/runbook-loader';
import { alertsLoader } from './lib/alerts-loader';

/** The shared store, when the build has READYBOOK_STORE (never printed: its label masks the password). */
function storeSource() {
  const config = storeConfig(process.env);
  return config ? { store: { config, timeoutMs: storeTimeoutMs(process.env) } } : {};
}

export const collections = {
  docs: defineCollection({ loader: docsLoader(), schema: docsSchema() }),
  /** Starlight's UI strings (none overridden yet): declared so the build does not warn that it is missing. */
  i18n: defineCollection({ loader: i18nLoader(), schema: i18nSchema() }),
  /** The same files `readybook run` executes, parsed by the engine. */
  runbooks: defineCollection({ loader: runbookLoader(runbooksDir) }),
  /** MADR records, validated by the schema the engine's `adr` commands use. */
  decisions: defineCollection({
    loader: glob({ pattern: '[0-9][0-9][0-9][0-9]-*.md', base: decisionsDir }),
    schema: adrFrontmatterSchema,
  }),
  /** Parsed by the engine's checklist reader, with `evidence/evaluations/<id>.json` when `readybook check` wrote it. */
  /** Run reports: committed under evidence/runs, the shared store's (READYBOOK_STORE), and local ones in $READYBOOK_HOME/runs. */
  runs: defineCollection({ loader: runsLoader({ evidenceDir, home: readybookHome, ...storeSource() }) }),
  checklists: defineCollection({ loader: checklistLoader(contentRoot, evaluationsDir, storeSource().store) }),
  /** The alert rules of monitoring/rules/, cross-checked with the runbooks as `readybook validate` does. */
  alerts: defineCollection({ loader: alertsLoader(contentRoot) }),
};
