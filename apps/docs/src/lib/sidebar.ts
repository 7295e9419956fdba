import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseFrontmatter } from '@astrojs/markdown-remark';
import { checklistsDir, decisionsDir, runbooksDir } from './paths.js';

interface SidebarLink {
  label: string;
  link: string;
}

/** Titles from frontmatter, read cheaply at config time; the content collections validate them properly. */
function entries(dir: string, pattern: RegExp): Array<{ id: string; title: string }> {
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
      try {
        const { frontmatter } = parseFrontmatter(readFileSync(path.join(dir, name), 'utf8'));
        if (typeof frontmatter['title'] === 'string') title = frontmatter['title'];
      } catch {
        // A broken file is reported by its collection with a precise message; the sidebar just uses the id.
      }
      return { id, title };
    });
}

export function runbookLinks(): SidebarLink[] {
  return entries(runbooksDir, /^[^_].*\.md$/).map(({ id, title }) => ({ label: title, link: `/runbooks/${id}/` }));
}

export function checklistLinks(): SidebarLink[] {
  return entries(checklistsDir, /^[^_].*\.md$/).map(({ id, title }) => ({ label: title, link: `/checklists/${id}/` }));
}

export function decisionLinks(): SidebarLink[] {
  return entries(decisionsDir, /^\d{4}-.*\.md$/).map(({ id, title }) => ({
    label: `${id.slice(0, 4)} ${title}`,
    link: `/decisions/${id}/`,
  }));
}
