import remarkGfm from 'remark-gfm';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Root, Element } from 'hast';

/**
 * The one Markdown pipeline of the site: unified with remark-gfm, given explicitly rather than through
 * Astro's built-in `gfm` switch so the site parses GFM exactly as the engine does (it uses remark-gfm too).
 * Guides, ADR bodies, runbook prose and checklist items are all rendered with it.
 */
export const unifiedOptions = { gfm: false, remarkPlugins: [remarkGfm] };

/**
 * Prefixes root-relative links written in Markdown (`/runbooks/hello/`) with the site's base path, so
 * the same Markdown works at `/` and under a GitHub Pages project path.
 */
export function rehypeBaseLinks(base: string) {
  const prefix = base.replace(/\/+$/, '');
  return (tree: Root) => {
    if (prefix === '') return;
    const visit = (node: Root | Element) => {
      for (const child of node.children) {
        if (child.type !== 'element') continue;
        const href = child.properties?.['href'];
        if (child.tagName === 'a' && typeof href === 'string' && href.startsWith('/') && !href.startsWith('//') && !href.startsWith(`${prefix}/`)) {
          child.properties['href'] = `${prefix}${href}`;
        }
        visit(child);
      }
    };
    visit(tree);
  };
}

/** Where a repository file is published: the site's page for runbooks, checklists and ADRs, else GitHub. */
export function publishedPath(repoPath: string, repoUrl: string): string {
  const page = /^(runbooks|checklists|decisions)\/([^/]+)\.md$/.exec(repoPath);
  if (page && !page[2]!.startsWith('_') && (page[1] !== 'decisions' || /^\d{4}-/.test(page[2]!))) return `/${page[1]}/${page[2]}/`;
  return `${repoUrl}/blob/main/${repoPath}`;
}

/**
 * Relative links written in the repository's Markdown (`[ADR 0010](../decisions/0010-checklist-check-syntax.md)`)
 * work on GitHub, where they are resolved against the file; on the site the page lives elsewhere. For files
 * under runbooks/, checklists/ and decisions/ this resolves each such link against the source file and points it
 * at the page that publishes the target (root-relative, so rehypeBaseLinks adds the base) or at the file on GitHub.
 * A target that does not exist still gets its page's address, so the build's link check reports it.
 */
export function rehypeRepoLinks({ contentRoot, repoUrl }: { contentRoot: string; repoUrl: string }) {
  return (tree: Root, file: { path?: string; history?: string[] }) => {
    const source = file.path ?? file.history?.[0];
    if (!source) return;
    const sourcePath = source.startsWith('file:') ? fileURLToPath(source) : source;
    const fromRoot = path.relative(contentRoot, sourcePath).split(path.sep).join('/');
    if (!/^(runbooks|checklists|decisions)\/[^/]+\.md$/.test(fromRoot)) return;
    const visit = (node: Root | Element) => {
      for (const child of node.children) {
        if (child.type !== 'element') continue;
        const href = child.properties?.['href'];
        if (child.tagName === 'a' && typeof href === 'string' && href !== '' && !/^([a-z][a-z0-9+.-]*:|\/|#|\?)/i.test(href)) {
          const [target = '', hash] = href.split('#');
          const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(fromRoot), decodeURI(target)));
          if (!resolved.startsWith('../')) child.properties['href'] = `${publishedPath(resolved, repoUrl)}${hash === undefined ? '' : `#${hash}`}`;
        }
        visit(child);
      }
    };
    visit(tree);
  };
}
