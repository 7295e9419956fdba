import type { RunbookFrontmatter } from '@readybook/schema';

/** A placeholder that tells the reader what to type: `<value>`, `<number>`, `<staging|production>`. */
function placeholder(param: RunbookFrontmatter['params'][string]): string {
  if (param.type === 'enum' && param.values) return `<${param.values.join('|')}>`;
  if (param.type === 'boolean') return '<true|false>';
  if (param.type === 'number') return '<number>';
  return '<value>';
}

/** The exact command that runs a runbook, with a `--param` for every param that must be given. */
export function runCommand(id: string, params: RunbookFrontmatter['params']): string {
  const required = Object.entries(params).filter(([, param]) => param.required && param.default === undefined);
  return ['pnpm readybook run', id, ...required.map(([name, param]) => `--param ${name}=${placeholder(param)}`)].join(' ');
}
