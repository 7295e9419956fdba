/**
 * An error that fails the build because of what it was given (a malformed runbook or report, a store that
 * does not answer). Astro prints its message and hint but no stack trace: the message already names the
 * file and line, and a trace of the site's loaders would only bury it.
 */
export function inputError(message: string, hint?: string): Error {
  const error = new Error(message) as Error & { hint?: string };
  if (hint) error.hint = hint;
  error.stack = '';
  return error;
}
