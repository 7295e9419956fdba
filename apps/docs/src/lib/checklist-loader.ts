import { readdir, readFile } from 'node:fs/promises';
import { inputError } from './input-error.js';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Loader, LoaderContext } from 'astro/loaders';
import { formatDiagnostic, readChecklist, ReadybookError, type ChecklistItem as EngineItem } from '@readybook/engine/checklist';
import { readStoreEvaluations } from '@readybook/engine';
import type { ChecklistFrontmatter } from '@readybook/schema';
import { proseAround } from './checklist.js';
import { asEvaluation, newerEvaluation, readEvaluation, type ChecklistEvaluation } from './evaluation.js';
import { inlineHtml } from './markdown.js';
import { repoRelative } from './paths.js';
import { readShared, type SharedStore } from './shared-store.js';
import { reloadOnChange } from './watch.js';

/** An item as the engine parsed it, with its text rendered by the site's Markdown pipeline. */
export interface RenderedItem extends EngineItem {
  /** The item's text (without check span and sign-off) as inline HTML. */
  html: string;
}

export interface ChecklistEntry {
  id: string;
  /** Relative to the content root, e.g. `checklists/production-readiness.md`. */
  path: string;
  frontmatter: ChecklistFrontmatter;
  introHtml: string;
  sections: Array<{ title: string; line: number; introHtml: string; items: RenderedItem[] }>;
  evaluation?: ChecklistEvaluation;
}

/**
 * Loads `checklists/*.md` with the engine's reader and parser (`readybook check` uses the same), so a checklist
 * the engine rejects fails the build with the engine's `file:line:col: …` text; plus any evaluation of it.
 * `root` is the content root: file names in messages are relative to it, as the CLI's are to where it runs.
 */
export function checklistLoader(root: string, evaluationsDir: string, shared?: SharedStore): Loader {
  const dir = path.join(root, 'checklists');
  return {
    name: 'readybook-checklists',
    async load(context) {
      await loadChecklists(context, root, evaluationsDir, shared);
      reloadOnChange(context, dir, () => loadChecklists(context, root, evaluationsDir, shared));
    },
  };
}

async function storeEvaluations(shared: SharedStore | undefined): Promise<Map<string, { value: unknown; where: string }>> {
  if (!shared) return new Map();
  const rows = await readShared('checklist evaluations', () => readStoreEvaluations(shared.config, { timeoutMs: shared.timeoutMs }));
  return new Map(rows.map((r) => [r.checklist, { value: r.evaluation, where: `the store ${shared.config.label} (evaluation of ${r.checklist} at ${r.evaluatedAt} on ${r.host})` }]));
}

async function loadChecklists({ store, renderMarkdown, generateDigest, logger }: LoaderContext, root: string, evaluationsDir: string, shared?: SharedStore): Promise<void> {
  const fromStore = await storeEvaluations(shared);
  const dir = path.join(root, 'checklists');
  const names = await readdir(dir).then(
    (all) => all.filter((name) => name.endsWith('.md') && !name.startsWith('_')).sort(),
    () => [] as string[],
  );
  const problems: string[] = [];
  const entries: ChecklistEntry[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    let parsed: Awaited<ReturnType<typeof readChecklist>>;
    try {
      parsed = await readChecklist(file, root);
    } catch (error) {
      if (!(error instanceof ReadybookError)) throw error;
      problems.push([`${error.code}: ${error.message}`, ...error.details].join('\n'));
      continue;
    }
    const { checklist, diagnostics } = parsed;
    // Relative links in the file resolve against it (rehypeRepoLinks).
    const at = { fileURL: pathToFileURL(file) };
    for (const warning of diagnostics) logger.warn(formatDiagnostic(warning));
    const prose = proseAround(
      await readFile(file, 'utf8'),
      checklist.sections.map((s) => s.line),
      checklist.sections.map((s) => s.items[0]?.line),
    );
    const sections: ChecklistEntry['sections'] = [];
    for (const [index, section] of checklist.sections.entries()) {
      const items: RenderedItem[] = [];
      for (const item of section.items) items.push({ ...item, html: inlineHtml((await renderMarkdown(item.text, at)).html) });
      sections.push({ title: section.title, line: section.line, introHtml: (await renderMarkdown(prose.sections[index] ?? '', at)).html, items });
    }
    entries.push({
      id: checklist.id,
      path: repoRelative(file, root),
      frontmatter: checklist.frontmatter,
      introHtml: (await renderMarkdown(prose.intro, at)).html,
      sections,
      evaluation: newerEvaluation(
        readEvaluation(evaluationsDir, checklist.id),
        fromStore.has(checklist.id) ? asEvaluation(fromStore.get(checklist.id)!.value, fromStore.get(checklist.id)!.where, checklist.id) : undefined,
      ),
    });
  }
  if (problems.length > 0) throw inputError(`checklists/ has ${problems.length} invalid checklist(s):\n${problems.join('\n')}`);
  store.clear();
  for (const entry of entries) {
    const data = JSON.parse(JSON.stringify(entry)) as Record<string, unknown>;
    store.set({ id: entry.id, data, digest: generateDigest(data) });
  }
}
