import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adrFrontmatterSchema } from '@readybook/schema';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createAdr, kebabTitle } from './new.js';

async function scratch(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'readybook-adr-'));
}

function frontmatter(source: string): unknown {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(source);
  if (!match) throw new Error('no frontmatter');
  return parseYaml(match[1] ?? '');
}

describe('kebabTitle', () => {
  it('keeps ASCII letters and digits only', () => {
    expect(kebabTitle('  Use "PostgreSQL" 16 — for Évents!  ')).toBe('use-postgresql-16-for-events');
  });
});

describe('createAdr', () => {
  it('numbers the first record 0001 and writes valid proposed frontmatter', async () => {
    const dir = await scratch();
    const file = await createAdr('Use PostgreSQL for the journal index', dir);
    expect(path.basename(file)).toBe('0001-use-postgresql-for-the-journal-index.md');
    const parsed = adrFrontmatterSchema.parse(frontmatter(await readFile(file, 'utf8')));
    expect(parsed).toMatchObject({ number: 1, title: 'Use PostgreSQL for the journal index', status: 'proposed' });
    expect(parsed.date).toBe(new Date().toISOString().slice(0, 10));
  });

  it('takes the number after the highest, not after the count', async () => {
    const dir = await scratch();
    await writeFile(path.join(dir, '0002-a.md'), '');
    await writeFile(path.join(dir, '0009-b.md'), '');
    await writeFile(path.join(dir, 'README.md'), '');
    const file = await createAdr('Next one', dir);
    expect(path.basename(file)).toBe('0010-next-one.md');
  });

  it('keeps quotes in the title valid YAML', async () => {
    const dir = await scratch();
    const file = await createAdr('Say "no": to #hashes', dir);
    const parsed = adrFrontmatterSchema.parse(frontmatter(await readFile(file, 'utf8')));
    expect(parsed.title).toBe('Say "no": to #hashes');
  });

  it('creates the directory when it does not exist yet', async () => {
    const dir = path.join(await scratch(), 'decisions');
    await expect(createAdr('Anything', dir)).resolves.toBe(path.join(dir, '0001-anything.md'));
  });

  it('never overwrites a record', async () => {
    const dir = await scratch();
    await createAdr('Same title', dir);
    await expect(createAdr('Same title', dir)).resolves.toMatch(/0002-same-title\.md$/);
  });

  it('refuses an empty title', async () => {
    const dir = await scratch();
    await expect(createAdr('   ', dir)).rejects.toThrowErrorMatchingInlineSnapshot(
      `[Error: an ADR needs a title with at least one letter or digit, e.g. readybook adr new "Use PostgreSQL"]`,
    );
    await expect(createAdr('!!!', dir)).rejects.toThrow(/needs a title/);
  });
});
