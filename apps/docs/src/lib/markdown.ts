import remarkGfm from 'remark-gfm';
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
