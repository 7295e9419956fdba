import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseFrontmatter } from '@astrojs/markdown-remark';
import { parseChecklist } from '@readybook/engine/checklist';
import { readEvaluation } from './evaluation.js';
import { checklistExpiry, isExpired } from './expiry.js';
import { checklistsDir, decisionsDir, evaluationsDir, runbooksDir } from './paths.js';

type BadgeVariant = 'note' | 'danger' | 'success' | 'caution' | 'tip' | 'default';

interface SidebarLink {
  label: string;
  link: string;
  badge?: { text: string; variant: BadgeVariant };
}

/** Titles from frontmatter, read cheaply at config time; the content collections validate them properly. */
function entries(dir: string, pattern: RegExp): Array<{ id: string; title: string; frontmatter: Record<string, unknown>; source: string }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => pattern.test(name))
    .sort()
    .map((name) => {
      const id = name.replace(/\.md$/, '');
      let title = id;
      let frontmatter: Record<string, unknown> = {};
      let source = '';
      try {
        source = readFileSync(path.join(dir, name), 'utf8');
        frontmatter = parseFrontmatter(source).frontmatter;
        if (typeof frontmatter.title === 'string') title = frontmatter.title;
      } catch {
        // A broken file is reported by its collection with a precise message; the sidebar just uses the id.
      }
      return { id, title, frontmatter, source };
    });
}

const withBadge = (link: SidebarLink, badge: SidebarLink['badge']): SidebarLink => (badge ? { ...link, badge } : link);

/** Runbooks, badged `destructive` or `plan only` (CI only validates and plans them). */
export function runbookLinks(): SidebarLink[] {
  return entries(runbooksDir, /^[^_].*\.md$/).map(({ id, title, frontmatter }) =>
    withBadge(
      { label: title, link: `/runbooks/${id}/` },
      frontmatter.destructive ? { text: 'destructive', variant: 'danger' } : frontmatter.ci === 'plan' ? { text: 'plan only', variant: 'caution' } : undefined,
    ),
  );
}

/**
 * Checklists, badged with their verdict as the build sees it: GO only while the evaluation holds (the page
 * re-checks it in the reader's browser; a sidebar badge is static), `expired` after.
 */
export function checklistLinks(): SidebarLink[] {
  return entries(checklistsDir, /^[^_].*\.md$/).map(({ id, title, source }) => {
    const link = { label: title, link: `/checklists/${id}/` };
    let evaluation: ReturnType<typeof readEvaluation>;
    try {
      evaluation = readEvaluation(evaluationsDir, id);
    } catch {
      return link; // the collection reports a malformed evaluation
    }
    if (!evaluation) return link;
    const { checklist } = parseChecklist(source, `checklists/${id}.md`);
    if (!checklist) return link;
    const expired = evaluation.verdict === 'GO' && isExpired(checklistExpiry({ ...checklist, evaluation })!, new Date());
    if (expired) return { ...link, badge: { text: 'expired', variant: 'caution' } };
    return { ...link, badge: evaluation.verdict === 'GO' ? { text: 'GO', variant: 'success' } : { text: 'NO-GO', variant: 'danger' } };
  });
}

/** ADRs, badged when superseded or deprecated. */
export function decisionLinks(): SidebarLink[] {
  return entries(decisionsDir, /^\d{4}-.*\.md$/).map(({ id, title, frontmatter }) =>
    withBadge(
      { label: `${id.slice(0, 4)} ${title}`, link: `/decisions/${id}/` },
      frontmatter.status === 'superseded' || frontmatter.status === 'deprecated' ? { text: String(frontmatter.status), variant: 'caution' } : undefined,
    ),
  );
}
