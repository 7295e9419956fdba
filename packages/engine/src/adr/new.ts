import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** `0007-journal-and-evidence-format.md` → 7. */
const ADR_FILE = /^(\d{4})-[a-z0-9-]+\.md$/;

/** Lower-kebab-case words of a title, ASCII only: `Use "Postgres" 16!` → `use-postgres-16`. */
export function kebabTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** The MADR template of a new, proposed decision. */
export function adrTemplate(number: number, title: string, date: string): string {
  return `---
number: ${number}
title: ${JSON.stringify(title)}
status: proposed
date: ${date}
deciders: []
---

## Context and problem

What forces us to decide, and what goes wrong if we do not.

## Considered options

1. …
2. …

## Decision outcome

Chosen option: …, because …

## Consequences

- Good: …
- Bad: …
`;
}

/**
 * Writes the next decision record into `dir` (`NNNN-kebab-title.md`, numbered one past the highest
 * there, creating `dir` if needed) and returns its path. The file is created exclusively, so two concurrent calls cannot
 * overwrite each other's record.
 */
export async function createAdr(title: string, dir: string): Promise<string> {
  const trimmed = title.trim();
  const slug = kebabTitle(trimmed);
  if (trimmed === '' || slug === '') {
    throw new Error('an ADR needs a title with at least one letter or digit, e.g. readybook adr new "Use PostgreSQL"');
  }
  await mkdir(dir, { recursive: true });
  const names = await readdir(dir);
  const highest = names.reduce((max, name) => {
    const match = ADR_FILE.exec(name);
    return match ? Math.max(max, Number(match[1])) : max;
  }, 0);
  const number = highest + 1;
  const file = path.join(dir, `${String(number).padStart(4, '0')}-${slug}.md`);
  const today = new Date().toISOString().slice(0, 10);
  await writeFile(file, adrTemplate(number, trimmed, today), { flag: 'wx' });
  return file;
}
