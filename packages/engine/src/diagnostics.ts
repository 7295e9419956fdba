import { ERRORS, type ErrorCode } from './errors.js';

/** A problem found in a file, with its position (1-based line and column). */
export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  code: ErrorCode;
  message: string;
  hint?: string;
  severity: 'error' | 'warning';
}

/**
 * The one way to make a diagnostic: a code of the catalog (errors.ts), a message saying what is
 * wrong here, and the catalog's hint unless this place knows a better one.
 */
export function diagnostic(
  file: string,
  code: ErrorCode,
  message: string,
  position: { line: number; column?: number } | undefined,
  options: Diagnostic['severity'] | { severity?: Diagnostic['severity']; hint?: string } = 'error',
): Diagnostic {
  const { severity = 'error', hint = ERRORS[code].hint } = typeof options === 'string' ? { severity: options } : options;
  return {
    file,
    line: position?.line ?? 1,
    column: position?.column ?? 1,
    code,
    message,
    hint,
    severity,
  };
}

/** `file:line:col: error RB012: message` followed by an indented hint line. */
export function formatDiagnostic(d: Diagnostic, options: { hint?: boolean } = {}): string {
  const head = `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`;
  return options.hint === false || !d.hint ? head : `${head}\n  hint: ${d.hint}`;
}

/** Diagnostics printed for one file; past it one line says how many more there are. */
export const PRINTED_PER_FILE = 50;

/**
 * Diagnostics as printed on a terminal, at most PRINTED_PER_FILE for each file: a runbook of 28,000
 * copies of one heading has 28,000 duplicate titles, and nobody reads past the first few.
 */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], options: { hint?: boolean; everyOne?: string } = {}): string[] {
  const printed = new Map<string, number>();
  const lines: string[] = [];
  for (const d of diagnostics) {
    const n = (printed.get(d.file) ?? 0) + 1;
    printed.set(d.file, n);
    if (n <= PRINTED_PER_FILE) lines.push(formatDiagnostic(d, options));
  }
  for (const [file, n] of printed) {
    if (n <= PRINTED_PER_FILE) continue;
    const where = options.everyOne ? `; ${options.everyOne} lists every one` : '';
    lines.push(`${file}: ${(n - PRINTED_PER_FILE).toLocaleString('en-US')} more diagnostics not shown (${n.toLocaleString('en-US')} in all${where})`);
  }
  return lines;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
