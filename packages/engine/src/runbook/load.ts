import { formatDiagnostics, hasErrors } from '../diagnostics.js';
import { ReadybookError } from '../errors.js';
import { parseRunbookFile, type Runbook } from './parse.js';
import { resolveDocument } from './resolve.js';
import { checkBlockSyntax } from './syntax.js';

/** Resolves and parses a runbook for run/plan/resume; invalid runbooks throw with every diagnostic. */
export function loadRunbook(cwd: string, arg: string): { runbook: Runbook; path: string } {
  const { path, display } = resolveDocument(cwd, arg, 'runbooks');
  const parsed = parseRunbookFile(path, display);
  const { runbook } = parsed;
  const diagnostics = runbook && !hasErrors(parsed.diagnostics) ? [...parsed.diagnostics, ...(checkBlockSyntax([runbook])[0] ?? [])] : parsed.diagnostics;
  if (!runbook || hasErrors(diagnostics)) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    throw new ReadybookError(
      (errors[0]?.code as 'RB001') ?? 'RB002',
      `${display} is not a valid runbook (${errors.length} error${errors.length === 1 ? '' : 's'}); nothing was run`,
      { details: formatDiagnostics(errors, { hint: false, everyOne: '`readybook validate --json`' }), diagnostics: errors, hint: errors[0]?.hint ?? 'Run `readybook validate` for details.' },
    );
  }
  return { runbook, path };
}
