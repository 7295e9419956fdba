import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

function htmlFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return entry.name === '_astro' || entry.name === 'pagefind' ? [] : htmlFiles(path.join(dir, entry.name), rel);
    return entry.name.endsWith('.html') ? [rel] : [];
  });
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&quot;': '"', '&#39;': "'", '&lt;': '<', '&gt;': '>' };
const decodeEntities = (value: string) => value.replace(/&(amp|quot|#39|lt|gt);/g, (entity) => ENTITIES[entity] ?? entity);

/**
 * Every `<a href>` of the built site that points into the site, checked against the files written: the page
 * (or file) must exist and so must its `#fragment`. This sees what readers click — links in checklist items,
 * runbook prose and ADR bodies rendered by the site's own pages, which starlight-links-validator (it reads the
 * docs collection's Markdown) never sees. Returns `page: href (why)` for each broken link.
 */
export function brokenLinks(outDir: string, base = '/'): string[] {
  const prefix = `/${base.replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/');
  const ids = new Map<string, Set<string>>();
  const idsOf = (file: string): Set<string> => {
    let found = ids.get(file);
    if (!found) {
      const html = readFileSync(file, 'utf8');
      found = new Set([...html.matchAll(/\s(?:id|name)="([^"]*)"/g)].map((m) => decodeEntities(m[1]!)));
      ids.set(file, found);
    }
    return found;
  };
  const problems: string[] = [];
  for (const rel of htmlFiles(outDir)) {
    const pagePath = `${prefix}${rel.replace(/(^|\/)index\.html$/, '$1')}`;
    const html = readFileSync(path.join(outDir, rel), 'utf8');
    for (const match of html.matchAll(/<a\b[^>]*?\shref="([^"]*)"/g)) {
      const href = decodeEntities(match[1]!);
      if (href === '' || href === '#' || /^(mailto|tel|javascript):/i.test(href)) continue;
      const url = new URL(href, `http://site.invalid${pagePath}`);
      if (url.origin !== 'http://site.invalid') continue;
      const report = (why: string) => problems.push(`${rel}: ${href} (${why})`);
      let pathname = decodeURIComponent(url.pathname);
      if (!pathname.startsWith(prefix)) {
        report(`outside the site's base ${prefix}`);
        continue;
      }
      pathname = pathname.slice(prefix.length);
      const direct = path.join(outDir, pathname);
      const file = pathname === '' || pathname.endsWith('/') ? path.join(direct, 'index.html') : direct;
      if (!existsSync(file) || statSync(file).isDirectory()) {
        report('no such page');
        continue;
      }
      const hash = decodeURIComponent(url.hash.slice(1));
      if (hash !== '' && file.endsWith('.html') && !idsOf(file).has(hash)) report(`no element with id "${hash}" on that page`);
    }
  }
  return problems;
}
