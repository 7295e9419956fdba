/**
 * Validates an ADR's frontmatter the way the site does: the ADR schema from @readybook/schema (the
 * one apps/docs gives its `decisions` collection), with file:line:col diagnostics like the engine's.
 * The engine has no `validate` for ADRs yet; this is the reference the bad-input corpus is held to.
 */
import { readFileSync, statSync } from 'node:fs';
import { adrFrontmatterSchema } from '@readybook/schema';
import { LineCounter, parseDocument, isMap, isPair, isScalar } from 'yaml';

export interface AdrDiagnostic {
  file: string;
  line: number;
  column: number;
  code: string;
  message: string;
}

const MAX_BYTES = 1024 * 1024;

export function validateAdr(path: string, display = path): AdrDiagnostic[] {
  const at = (line: number, column: number, code: string, message: string): AdrDiagnostic[] => [{ file: display, line, column, code, message }];
  if (statSync(path).size > MAX_BYTES) return at(1, 1, 'ADR004', `file is larger than ${MAX_BYTES} bytes`);
  const bytes = readFileSync(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return at(1, 1, 'ADR004', 'file is not valid UTF-8');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes('\0')) return at(text.slice(0, text.indexOf('\0')).split('\n').length, 1, 'ADR004', 'file contains a NUL byte');
  const lines = text.split(/\r?\n/);
  if (lines[0] !== '---') return at(1, 1, 'ADR003', 'an ADR starts with `---`, its YAML frontmatter and `---`');
  const close = lines.indexOf('---', 1);
  if (close < 0) return at(1, 1, 'ADR003', 'the frontmatter is never closed with `---`');
  const yaml = lines.slice(1, close).join('\n');
  const counter = new LineCounter();
  const doc = parseDocument(yaml, { lineCounter: counter, uniqueKeys: true, strict: true, prettyErrors: false });
  const lineOf = (offset: number) => counter.linePos(offset).line + 1;
  if (doc.errors.length > 0) {
    return doc.errors.map((e) => ({ file: display, line: lineOf(e.pos[0]), column: 1, code: 'ADR001', message: e.message.split('\n')[0] ?? e.message }));
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    return at(2, 1, 'ADR001', (error as Error).message);
  }
  const result = adrFrontmatterSchema.safeParse(data ?? {});
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    let line = 2;
    const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path[0];
    if (isMap(doc.contents)) {
      const pair = doc.contents.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
      const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
      if (range) line = lineOf(range[0]);
    }
    return { file: display, line, column: 1, code: 'ADR002', message: `${key === undefined ? 'frontmatter' : `\`${String(key)}\``}: ${issue.message}` };
  });
}
