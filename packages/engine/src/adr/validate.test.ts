import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../diagnostics.js';
import { validateAdr } from './validate.js';

const dir = mkdtempSync(join(tmpdir(), 'rb-adr-'));
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const messages = (name: string, text: string) => validateAdr(write(name, text), name).map((d) => formatDiagnostic(d, { hint: false }));

describe('validateAdr', () => {
  it('accepts every decision of the repository', () => {
    const decisions = join(import.meta.dirname, '../../../../decisions');
    for (const name of readdirSync(decisions).filter((f) => /^\d{4}-.*\.md$/.test(f))) expect(validateAdr(join(decisions, name), name), name).toEqual([]);
  });

  it('names the file, line and code of each problem', () => {
    expect(messages('a.md', '# no frontmatter\n')).toEqual(['a.md:1:1: error ADR003: an ADR starts with `---`, its YAML frontmatter and `---`']);
    expect(messages('b.md', '---\ntitle: x\n')).toEqual(['b.md:1:1: error ADR003: the frontmatter is never closed with `---`']);
    expect(messages('c.md', '---\ntitle: [x\n---\n')[0]).toMatch(/^c\.md:\d+:\d+: error ADR001: frontmatter is not valid YAML/);
    expect(messages('d.md', '---\nnumber: 1\ntitle: T\nstatus: maybe\ndate: 2026-12-02\n---\n').join('\n')).toMatch(/^d\.md:4:1: error ADR002: `status`/);
    expect(validateAdr(write('e.md', 'x\0y'), 'e.md').map((d) => d.code)).toEqual(['ADR004']);
  });
});
