import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { docsLoader, i18nLoader } from '@astrojs/starlight/loaders';
import { docsSchema, i18nSchema } from '@astrojs/starlight/schema';
import { adrFrontmatterSchema } from '@readybook/schema';
import { checklistLoader } from './lib/checklist-loader';
import { contentRoot, decisionsDir, evaluationsDir, evidenceDir, readybookHome, runbooksDir } from './lib/paths';
import { runsLoader } from './lib/runs';
import { sharedStore } from './lib/shared-store';
import { runbookLoader } from './lib/runbook-loader';
import { alertsLoader } from './lib/alerts-loader';

const store = sharedStore(process.env);

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
  /** Run reports: committed under evidence/runs, the shared store's (READYBOOK_STORE), and local ones in $READYBOOK_HOME/runs. */
  runs: defineCollection({ loader: runsLoader({ evidenceDir, home: readybookHome, ...(store ? { store } : {}) }) }),
  /** Parsed by the engine's checklist reader, with `evidence/evaluations/<id>.json` when `readybook check` wrote it. */
  checklists: defineCollection({ loader: checklistLoader(contentRoot, evaluationsDir, store) }),
  /** The alert rules of monitoring/rules/, cross-checked with the runbooks as `readybook validate` does. */
  alerts: defineCollection({ loader: alertsLoader(contentRoot) }),
};
