import { readdir, readFile } from 'node:fs/promises';
import { inputError } from './input-error.js';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Loader, LoaderContext } from 'astro/loaders';
import { formatDiagnostic, parseRunbook, type Runbook } from '@readybook/engine/parse';
import { runbookFrontmatterSchema } from '@readybook/schema';
import { inlineHtml } from './markdown.js';
import { repoRelative } from './paths.js';
import { reloadOnChange } from './watch.js';

/** What a runbook page needs: the engine's parse, plus its prose rendered by the site's Markdown pipeline. */
export interface RunbookEntry extends Runbook {
  /** Repo-relative path, e.g. `runbooks/hello.md`. */
  path: string;
  introHtml: string;
  stepHtml: string[];
  /** The frontmatter description's inline Markdown as HTML (empty without one). */
  descriptionHtml: string;
  /** Each param's description's inline Markdown as HTML. */
  paramHtml: Record<string, string>;
}

/**
 * Loads `runbooks/*.md` with the engine's own parser, so the site and `readybook run` agree on what a
 * step is. Any diagnostic fails the build with the engine's `file:line:col: …` text.
 */
export function runbookLoader(dir: string): Loader {
  return {
    name: 'readybook-runbooks',
    async load(context) {
      await loadRunbooks(context, dir);
      reloadOnChange(context, dir, () => loadRunbooks(context, dir));
    },
  };
}

async function loadRunbooks({ store, renderMarkdown, generateDigest, logger }: LoaderContext, dir: string): Promise<void> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.md') && !name.startsWith('_')).sort();
  const problems: string[] = [];
  const entries: RunbookEntry[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const rel = repoRelative(file);
    const source = await readFile(file, 'utf8');
    const { runbook, diagnostics } = parseRunbook(source, rel);
    problems.push(...diagnostics.map((d) => formatDiagnostic(d)));
    if (!runbook || diagnostics.length > 0) continue;
    const frontmatter = runbookFrontmatterSchema.safeParse(runbook.frontmatter);
    if (!frontmatter.success) {
      problems.push(...frontmatter.error.issues.map((issue) => `${rel}:1:1: ${issue.path.join('.') || 'frontmatter'}: ${issue.message}`));
      continue;
    }
    // Relative links in the file resolve against it (rehypeRepoLinks).
    const at = { fileURL: pathToFileURL(file) };
    // The page shows the title; an intro that opens with its own `# Title` would repeat it.
    const introHtml = (await renderMarkdown(runbook.intro.replace(/^\s*#\s[^\n]*\n?/, ''), at)).html;
    const stepHtml: string[] = [];
    for (const step of runbook.steps) stepHtml.push((await renderMarkdown(step.description, at)).html);
    const inline = async (text: string | undefined) => (text ? inlineHtml((await renderMarkdown(text, at)).html) : '');
    const paramHtml: Record<string, string> = {};
    for (const [name, param] of Object.entries(frontmatter.data.params)) paramHtml[name] = await inline(param.description);
    entries.push({ ...runbook, path: rel, introHtml, stepHtml, descriptionHtml: await inline(frontmatter.data.description), paramHtml });
  }
  if (problems.length > 0) {
    throw inputError(`runbooks/ has ${problems.length} problem(s):\n${problems.join('\n')}`);
  }
  store.clear();
  for (const entry of entries) {
    const data = JSON.parse(JSON.stringify(entry)) as Record<string, unknown>;
    store.set({ id: entry.id, data, digest: generateDigest(entry.hash) });
  }
  logger.info(`${entries.length} runbook(s) parsed by @readybook/engine`);
}
