import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Loader, LoaderContext } from 'astro/loaders';
import { parseFrontmatter } from '@astrojs/markdown-remark';
import { checklistFrontmatterSchema, type ChecklistFrontmatter } from '@readybook/schema';
import { parseChecklistBody, splitItem, type ChecklistItem } from './checklist.js';
import { readEvaluation, type ChecklistEvaluation } from './evaluation.js';
import { repoRelative } from './paths.js';
import { reloadOnChange } from './watch.js';

export interface RenderedItem extends ChecklistItem {
  /** The item's prose as inline HTML, without its check span and sign-off. */
  html: string;
  check?: string;
  signed?: string;
}

export interface ChecklistEntry {
  id: string;
  path: string;
  frontmatter: ChecklistFrontmatter;
  introHtml: string;
  sections: Array<{ title: string; items: RenderedItem[] }>;
  evaluation?: ChecklistEvaluation;
}

/** Strips the `<p>` a one-paragraph render wraps around an item's text. */
function inline(html: string): string {
  const trimmed = html.trim();
  const match = /^<p>([\s\S]*)<\/p>$/.exec(trimmed);
  return match && !match[1]?.includes('<p>') ? (match[1] ?? '') : trimmed;
}

/** Loads `checklists/*.md`: frontmatter checked by the shared schema, sections of task items, and any evaluation. */
export function checklistLoader(dir: string, evaluationsDir: string): Loader {
  return {
    name: 'readybook-checklists',
    async load(context) {
      await loadChecklists(context, dir, evaluationsDir);
      reloadOnChange(context, dir, () => loadChecklists(context, dir, evaluationsDir));
    },
  };
}

async function loadChecklists({ store, renderMarkdown, generateDigest }: LoaderContext, dir: string, evaluationsDir: string): Promise<void> {
  let names: string[] = [];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.md') && !name.startsWith('_')).sort();
  } catch {
    names = [];
  }
  const problems: string[] = [];
  const entries: ChecklistEntry[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const rel = repoRelative(file);
    const source = await readFile(file, 'utf8');
    const { frontmatter, content } = parseFrontmatter(source, { frontmatter: 'empty-with-lines' });
    const parsed = checklistFrontmatterSchema.safeParse(frontmatter);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((issue) => `${rel}:1:1: ${issue.path.join('.') || 'frontmatter'}: ${issue.message}`));
      continue;
    }
    const id = name.replace(/\.md$/, '');
    const body = parseChecklistBody(content);
    const sections: ChecklistEntry['sections'] = [];
    for (const section of body.sections) {
      const items = [];
      for (const item of section.items) {
        const parts = splitItem(item.text);
        items.push({ ...item, ...parts, text: item.text, html: inline((await renderMarkdown(parts.text)).html) });
      }
      sections.push({ ...section, items });
    }
    entries.push({
      id,
      path: rel,
      frontmatter: parsed.data,
      introHtml: (await renderMarkdown(body.intro)).html,
      sections,
      evaluation: readEvaluation(evaluationsDir, id),
    });
  }
  if (problems.length > 0) throw new Error(`checklists/ has ${problems.length} problem(s):\n${problems.join('\n')}`);
  store.clear();
  for (const entry of entries) {
    const data = JSON.parse(JSON.stringify(entry)) as Record<string, unknown>;
    store.set({ id: entry.id, data, digest: generateDigest(data) });
  }
}
