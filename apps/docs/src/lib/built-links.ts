import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * starlight-links-validator reports every link to a custom page (the runbook, checklist, ADR and CLI
 * pages are generated, not Markdown) as unverifiable. Its `exclude` hook runs after the build has
 * written the site, so this checks such links against the output instead: a link is excluded from
 * the validator only when its page, and its `#hash` if any, really exist in `outDir`.
 */
export function linkExistsInBuild(outDir: string, base: string) {
  const prefix = base.replace(/\/+$/, '');
  return ({ link }: { link: string }): boolean => {
    if (!link.startsWith('/') || link.startsWith('//')) return false;
    const [withQuery = '', hash] = link.split('#');
    let pathname = withQuery.split('?')[0] ?? '';
    if (prefix !== '' && (pathname === prefix || pathname.startsWith(`${prefix}/`))) pathname = pathname.slice(prefix.length) || '/';
    const file = path.join(outDir, pathname, pathname.endsWith('.html') ? '' : 'index.html');
    if (!existsSync(file)) return false;
    if (!hash) return true;
    return readFileSync(file, 'utf8').includes(`id="${hash}"`);
  };
}
