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
        const href = child.properties?.href;
        if (child.tagName === 'a' && typeof href === 'string' && href.startsWith('/') && !href.startsWith('//') && !href.startsWith(`${prefix}/`)) {
          child.properties.href = `${prefix}${href}`;
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
        const href = child.properties?.href;
        if (child.tagName === 'a' && typeof href === 'string' && href !== '' && !/^([a-z][a-z0-9+.-]*:|\/|#|\?)/i.test(href)) {
          const [target = '', hash] = href.split('#');
          const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(fromRoot), decodeURI(target)));
          if (!resolved.startsWith('../')) child.properties.href = `${publishedPath(resolved, repoUrl)}${hash === undefined ? '' : `#${hash}`}`;
        }
        visit(child);
      }
    };
    visit(tree);
  };
}

/** Strips the `<p>` a one-paragraph render wraps around inline text (a checklist item, a param description). */
export function inlineHtml(html: string): string {
  const trimmed = html.trim();
  const match = /^<p>([\s\S]*)<\/p>$/.exec(trimmed);
  return match && !match[1]?.includes('<p>') ? (match[1] ?? '') : trimmed;
}

/**
 * Wraps every Markdown table in a keyboard-focusable, labelled region that scrolls sideways, so a table wider
 * than a phone scrolls inside it instead of widening the page (axe: scrollable-region-focusable). The label is
 * the table's column names.
 */
export function rehypeTableRegions() {
  const text = (node: Element | Root): string =>
    node.children.map((child) => (child.type === 'text' ? child.value : child.type === 'element' ? text(child) : '')).join('');
  return (tree: Root) => {
    const visit = (node: Root | Element) => {
      node.children.forEach((child, index) => {
        if (child.type !== 'element') return;
        if (child.tagName === 'table') {
          const head = child.children.find((c): c is Element => c.type === 'element' && c.tagName === 'thead');
          const columns = head ? head.children.flatMap((row) => (row.type === 'element' ? row.children : [])).flatMap((cell) => (cell.type === 'element' ? [text(cell).trim()] : [])) : [];
          const label = columns.length > 0 ? `Table: ${columns.join(', ')}` : 'Table';
          node.children[index] = { type: 'element', tagName: 'div', properties: { dataRbScroll: '', role: 'region', ariaLabel: label, tabIndex: 0 }, children: [child] };
          return;
        }
        visit(child);
      });
    };
    visit(tree);
  };
}
