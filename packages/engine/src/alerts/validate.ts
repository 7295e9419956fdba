import { basename, dirname, join } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import type { Runbook } from '../runbook/parse.js';
import { displayPath, findUp } from '../runbook/resolve.js';
import { checkAlerts } from './rules.js';

/**
 * `readybook validate`'s part of the alert cross-check: the repository's rule files (monitoring/rules/) against
 * its runbooks, as diagnostics in validate's format (paths relative to where it runs). `files` are every runbook
 * file validate read, parsed or not (a runbook_url to a runbook that fails validation still names a runbook);
 * `runbooks` are those that parsed, for their `alerts:`.
 */
export function alertDiagnostics(cwd: string, files: ReadonlyArray<{ path: string }>, runbooks: readonly Runbook[]): Diagnostic[] {
  const runbooksDir = findUp(cwd, 'runbooks');
  if (!runbooksDir) return [];
  const repoRoot = dirname(runbooksDir);
  const alertsOf = new Map(runbooks.map((r) => [r.id, r.frontmatter.alerts ?? []]));
  const list = files
    .filter((f) => dirname(f.path) === runbooksDir && f.path.endsWith('.md'))
    .map((f) => {
      const id = basename(f.path, '.md');
      return { id, file: `runbooks/${basename(f.path)}`, alerts: alertsOf.get(id) ?? [] };
    });
  return checkAlerts({ repoRoot, runbooks: list }).map((d) => ({
    file: displayPath(cwd, join(repoRoot, d.file)),
    line: d.line,
    column: 1,
    code: d.code,
    message: d.message,
    hint: d.hint,
    severity: d.severity,
  }));
}
