import { adrFrontmatterSchema } from '@readybook/schema';
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import { parseFrontmatter, validateFrontmatter } from '../document/frontmatter.js';
import { splitFrontmatter } from '../document/markdown.js';
import { readSource } from '../document/source.js';

/**
 * Validates an ADR's frontmatter the way the site does: the ADR schema of @readybook/schema (the one
 * apps/docs gives its `decisions` collection), read by the same source reader and frontmatter parser
 * as runbooks, with diagnostics of the one catalog (ADR001–ADR004).
 */
export function validateAdr(path: string, display = path): Diagnostic[] {
  const read = readSource(path, display);
  if (!read.source) return read.diagnostics.map((d) => ({ ...d, code: 'ADR004' as const, hint: diagnostic(display, 'ADR004', '', d).hint }));
  const { frontmatter, lines } = splitFrontmatter(read.source.text);
  if (!frontmatter) {
    const message = /^---[ \t]*$/.test(lines[0] ?? '') ? 'the frontmatter is never closed with `---`' : 'an ADR starts with `---`, its YAML frontmatter and `---`';
    return [diagnostic(display, 'ADR003', message, { line: 1 })];
  }
  const diagnostics: Diagnostic[] = [];
  const parsed = parseFrontmatter(frontmatter.yaml, display, frontmatter.firstLine, diagnostics, 'ADR001');
  if (parsed) validateFrontmatter(adrFrontmatterSchema, parsed, display, diagnostics, 'ADR002');
  return diagnostics;
}
