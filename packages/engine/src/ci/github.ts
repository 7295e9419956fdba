import { appendFileSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';

/**
 * GitHub Actions: workflow commands (`::error file=…,line=…::message`) and the job summary
 * (`$GITHUB_STEP_SUMMARY`). Written by hand rather than with @actions/core: its 3.x pulls in
 * @actions/http-client and undici (for OIDC tokens) — far more than two escaping functions and
 * an appendFileSync. The escaping is @actions/core's (toolkit packages/core/src/command.ts), as
 * the workflow-commands docs describe: `%`, CR and LF in the message; also `:` and `,` in properties.
 */

export function inGitHubActions(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/** The message of a workflow command: `%`, CR and LF are percent-encoded. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property value (file, title, …): as the message, plus `:` and `,`, which end a property. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface AnnotationProperties {
  title?: string;
  file?: string;
  line?: number;
  col?: number;
  endLine?: number;
  endColumn?: number;
}

/** One workflow command line, with its trailing newline. */
export function annotation(level: AnnotationLevel, message: string, properties: AnnotationProperties = {}): string {
  const props = Object.entries(properties)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${level}${props ? ` ${props}` : ''}::${escapeData(message)}\n`;
}

/**
 * A diagnostic's file as GitHub wants it: relative to the checkout (GITHUB_WORKSPACE), with `/`.
 * `file` is as printed, relative to `cwd`.
 */
export function workspacePath(file: string, cwd: string, env: NodeJS.ProcessEnv): string {
  const absolute = isAbsolute(file) ? file : resolve(cwd, file);
  const root = env.GITHUB_WORKSPACE && env.GITHUB_WORKSPACE.trim() !== '' ? resolve(env.GITHUB_WORKSPACE) : resolve(cwd);
  const rel = relative(root, absolute);
  return (rel.startsWith('..') || isAbsolute(rel) ? absolute : rel).split(sep).join('/');
}

/** `::error file=…,line=…,col=…,title=CODE::message` for a diagnostic (warnings as `::warning`). */
export function diagnosticAnnotation(d: Diagnostic, cwd: string, env: NodeJS.ProcessEnv): string {
  return annotation(d.severity === 'warning' ? 'warning' : 'error', d.hint ? `${d.message}\n${d.hint}` : d.message, {
    file: workspacePath(d.file, cwd, env),
    line: d.line,
    col: d.column,
    title: d.code,
  });
}

/**
 * Where annotations go: stdout, where the runner reads workflow commands; with `--json` stdout is
 * JSON and nothing else, so stderr, which the runner reads for them too.
 */
export function annotationStream(json: boolean): NodeJS.WriteStream {
  return json ? process.stderr : process.stdout;
}

/**
 * Appends Markdown to the job summary. Returns a problem (a sentence) when it cannot, so that a
 * summary that cannot be written never changes a run's result; undefined when written or not asked for.
 */
export function appendStepSummary(env: NodeJS.ProcessEnv, markdown: string): string | undefined {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!inGitHubActions(env) || !file || file.trim() === '') return undefined;
  try {
    appendFileSync(file, markdown.endsWith('\n') ? `${markdown}\n` : `${markdown}\n\n`);
    return undefined;
  } catch (error) {
    return `cannot append to GITHUB_STEP_SUMMARY (${file}): ${(error as Error).message}`;
  }
}
