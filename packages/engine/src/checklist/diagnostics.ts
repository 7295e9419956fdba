import type { Diagnostic } from '../diagnostics.js';

// One formatter for runbook and checklist diagnostics.
export { formatDiagnostic, formatDiagnostics, hasErrors } from '../diagnostics.js';

/** Stable codes of checklist diagnostics. Never renumber; add at the end. */
export const CHECKLIST_CODES = {
  CL001: 'missing frontmatter',
  CL002: 'frontmatter is not valid YAML',
  CL003: 'frontmatter field is invalid',
  CL010: 'unknown check kind',
  CL011: 'malformed check',
  CL012: 'unknown comparator',
  CL013: 'invalid duration',
  CL014: 'invalid runbook id',
  CL015: 'invalid output name',
  CL016: 'threshold is not a number',
  CL017: 'unknown check option',
  CL018: 'option outside the parentheses',
  CL019: 'empty command',
  CL020: 'item outside a section',
  CL021: 'ticked automated item',
  CL022: 'malformed sign-off',
  CL023: 'checklist has no items',
  CL024: 'unknown runbook',
  CL025: 'nesting too deep',
  CL026: 'too many lines',
} as const;

export type ChecklistCode = keyof typeof CHECKLIST_CODES;

export function diagnostic(
  file: string,
  at: { line: number; column: number },
  code: ChecklistCode,
  message: string,
  hint?: string,
  severity: Diagnostic['severity'] = 'error',
): Diagnostic {
  return { file, line: at.line, column: at.column, code, message, ...(hint ? { hint } : {}), severity };
}
