import { LineCounter, parseDocument, isMap, isPair, isScalar, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { diagnostic, type Diagnostic } from '../diagnostics.js';

/** Parsed YAML frontmatter, with a way to find the source line of any key path. */
export interface Frontmatter {
  data: unknown;
  positionOf(path: ReadonlyArray<PropertyKey>): { line: number; column: number };
}

/**
 * Parses the YAML of a frontmatter block whose first content line is `firstLine` in the file.
 * Duplicate keys, alias bombs and syntax errors become diagnostics, never exceptions.
 */
export function parseFrontmatter(yamlText: string, file: string, firstLine: number, diagnostics: Diagnostic[], code: 'RB001' | 'ADR001' = 'RB001'): Frontmatter | undefined {
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(yamlText, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  } catch (error) {
    diagnostics.push(diagnostic(file, code, `frontmatter is not valid YAML: ${(error as Error).message}`, { line: firstLine }));
    return undefined;
  }
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: firstLine + pos.line - 1, column: pos.col };
  };
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const message = error.message.split('\n')[0] ?? error.message;
      diagnostics.push(diagnostic(file, code, `frontmatter is not valid YAML: ${message}`, at(error.pos[0])));
    }
    return undefined;
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    diagnostics.push(diagnostic(file, code, `frontmatter is not valid YAML: ${(error as Error).message}`, { line: firstLine }));
    return undefined;
  }
  return {
    data,
    positionOf(path) {
      let node: unknown = doc.contents;
      let best = { line: firstLine, column: 1 };
      for (const key of path) {
        if (!isMap(node)) break;
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(key));
        if (!pair || !isPair(pair)) break;
        const keyNode = pair.key as YamlNode;
        if (keyNode.range) best = at(keyNode.range[0]);
        node = pair.value;
      }
      return best;
    },
  };
}

/** Validates frontmatter data against a zod schema, turning each issue into a positioned diagnostic. */
export function validateFrontmatter<S extends z.ZodType>(
  schema: S,
  frontmatter: Frontmatter,
  file: string,
  diagnostics: Diagnostic[],
  code: 'RB002' | 'ADR002' = 'RB002',
): z.output<S> | undefined {
  const result = schema.safeParse(frontmatter.data ?? {});
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const path = issue.path as PropertyKey[];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const where = [...path, key].join('.');
        diagnostics.push(diagnostic(file, code, `unknown frontmatter field \`${where}\``, frontmatter.positionOf([...path, key])));
      }
      continue;
    }
    const where = path.length > 0 ? `\`${path.join('.')}\`` : 'frontmatter';
    diagnostics.push(diagnostic(file, code, `${where}: ${friendly(issue)}`, frontmatter.positionOf(path)));
  }
  return undefined;
}

function friendly(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  if (issue.code === 'invalid_key' && issue.issues[0]) return issue.issues[0].message;
  return issue.message.replace(/^Invalid input: /, '');
}
