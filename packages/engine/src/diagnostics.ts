import { ERRORS, type ErrorCode } from './errors.js';

/** A problem found in a file, with its position (1-based line and column). */
export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  code: ErrorCode | string;
  message: string;
  hint?: string;
  severity: 'error' | 'warning';
}

export function diagnostic(
  file: string,
  code: ErrorCode,
  message: string,
  position: { line: number; column?: number } | undefined,
  severity: Diagnostic['severity'] = 'error',
): Diagnostic {
  return {
    file,
    line: position?.line ?? 1,
    column: position?.column ?? 1,
    code,
    message,
    hint: ERRORS[code].hint,
    severity,
  };
}

/** `file:line:col: error RB012: message` followed by an indented hint line. */
export function formatDiagnostic(d: Diagnostic, options: { hint?: boolean } = {}): string {
  const head = `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`;
  return options.hint === false || !d.hint ? head : `${head}\n  hint: ${d.hint}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
