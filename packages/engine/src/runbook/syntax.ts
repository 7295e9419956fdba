import { spawnSync } from 'node:child_process';
import { parse as parseJs } from 'acorn';
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import type { Block, Step } from './parse.js';

/**
 * Syntax-checks the blocks of runbooks before anything runs, so `validate`, `plan` and `run` catch
 * an `if` without `fi` or a `const x = ;` at the runbook's own file:line instead of mid-run in a
 * generated script. sh/bash blocks are checked by `bash -n` (bash itself is the judge), js blocks
 * by acorn as an ES module with top-level await (as zx runs them). All the runbooks given share one
 * `bash -n`; only when it fails is each block checked alone, to say which. Returns the
 * diagnostics of each runbook, by position.
 */
export function checkBlockSyntax(runbooks: ReadonlyArray<{ steps: readonly Step[]; file: string }>): Diagnostic[][] {
  const blocksOf = runbooks.map((r) => r.steps.flatMap((s) => [s.run, s.verify, s.rollback].filter((b): b is Block => b !== undefined)));
  const shell = blocksOf.map((blocks) => blocks.filter((b) => b.lang !== 'js'));
  const together = bashCheck(shell.flat().map((b, i) => `__readybook_block_${i}() {\n${b.code}\n}`).join('\n'));
  return runbooks.map((runbook, i) => [
    ...(together && !together.ok ? checkShell(shell[i] ?? [], runbook.file) : []),
    ...(blocksOf[i] ?? []).filter((b) => b.lang === 'js').flatMap((b) => checkJs(b, runbook.file)),
  ]);
}

/** The first line of a block's code in the runbook (the line after its opening fence). */
const codeStart = (block: Block) => block.line + 1;

function bashCheck(code: string): { ok: boolean; line?: number; message?: string } | undefined {
  if (code === '') return { ok: true };
  const result = spawnSync('bash', ['-n'], { input: code, encoding: 'utf8', timeout: 10_000 });
  if (result.error) return undefined; // no bash here: the run would say so
  if (result.status === 0) return { ok: true };
  const first = result.stderr.split('\n').find((l) => l.trim() !== '') ?? 'syntax error';
  const match = /line (\d+): (.*)$/.exec(first);
  return { ok: false, line: match ? Number(match[1]) : 1, message: (match?.[2] ?? first).trim() };
}

function checkShell(blocks: readonly Block[], file: string): Diagnostic[] {
  if (blocks.length === 0) return [];
  const all = bashCheck(blocks.map((b, i) => `__readybook_block_${i}() {\n${b.code}\n}`).join('\n'));
  if (!all || all.ok) return [];
  const problems: Diagnostic[] = [];
  for (const block of blocks) {
    const alone = bashCheck(block.code);
    if (!alone || alone.ok) continue;
    const line = Math.min(codeStart(block) + (alone.line ?? 1) - 1, codeStart(block) + Math.max(0, block.code.split('\n').length - 1));
    problems.push(diagnostic(file, 'RB021', `the ${block.role} block (${block.lang}) does not parse: ${alone.message}`, { line }));
  }
  return problems;
}

function checkJs(block: Block, file: string): Diagnostic[] {
  try {
    parseJs(block.code, { ecmaVersion: 'latest', sourceType: 'module', allowAwaitOutsideFunction: true, allowHashBang: true });
    return [];
  } catch (error) {
    const e = error as SyntaxError & { loc?: { line: number; column: number } };
    const message = e.message.replace(/ \(\d+:\d+\)$/, '');
    return [diagnostic(file, 'RB021', `the ${block.role} block (js) does not parse: ${message}`, { line: codeStart(block) + (e.loc?.line ?? 1) - 1, column: (e.loc?.column ?? 0) + 1 })];
  }
}
