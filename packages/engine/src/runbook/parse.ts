import { basename, extname } from 'node:path';
import { blockOptionsSchema, blockLangSchema, runbookFrontmatterSchema, type BlockLang, type BlockRole, type RunbookFrontmatter } from '@readybook/schema';
import { diagnostic, hasErrors, type Diagnostic } from '../diagnostics.js';
import { parseFrontmatter, validateFrontmatter } from '../document/frontmatter.js';
import { lineCountProblem, nestingProblem } from '../document/markdown.js';
import { outline, type FencePart, type Outline } from '../document/outline.js';
import { closest } from '../suggest.js';
import { decodeSource, readSource } from '../document/source.js';

export { formatDiagnostic, hasErrors, type Diagnostic } from '../diagnostics.js';

export interface BlockOptionsMs {
  timeoutMs?: number;
  retries?: number;
  delayMs?: number;
  /** A run block started in the background under this name. */
  background?: string;
  /** Wait for this background block to end before the block runs. */
  await?: string;
  /** Stop this background block before the block runs. */
  stop?: string;
}

/** A fenced block that the engine executes. */
export interface Block {
  role: BlockRole;
  lang: BlockLang;
  code: string;
  /** The whole info string, e.g. `sh run timeout=10m`. */
  info: string;
  options: BlockOptionsMs;
  line: number;
}

/** One `##` section of a runbook. */
export interface Step {
  /** 1-based position in the runbook. */
  index: number;
  title: string;
  line: number;
  /** Markdown of the prose and documentation-only blocks under the heading. */
  description: string;
  run?: Block;
  verify?: Block;
  rollback?: Block;
  /** True when the step has no `run` block: the operator does it and confirms. */
  manual: boolean;
}

export interface Runbook {
  /** The file name without `.md`. */
  id: string;
  file: string;
  /** sha256 of the file's bytes: resume refuses a changed runbook. */
  hash: string;
  frontmatter: RunbookFrontmatter;
  /** Markdown before the first step. */
  intro: string;
  steps: Step[];
}

export interface ParseResult {
  runbook?: Runbook;
  diagnostics: Diagnostic[];
}

const ROLES: readonly BlockRole[] = ['run', 'verify', 'rollback'];
const EXECUTABLE_LANGS = new Set<string>(blockLangSchema.options);

/** Reads and parses a runbook file; never throws for bad input. */
export function parseRunbookFile(path: string, displayPath = path): ParseResult {
  const { source, diagnostics } = readSource(path, displayPath);
  if (!source) return { diagnostics };
  return parseRunbookText(source.text, displayPath, source.hash);
}

/** Parses runbook source text. `file` is used in diagnostics and to derive the runbook id. */
export function parseRunbook(source: string, file: string): ParseResult {
  const decoded = decodeSource(Buffer.from(source, 'utf8'), file);
  if (!decoded.source) return { diagnostics: decoded.diagnostics };
  return parseRunbookText(decoded.source.text, file, decoded.source.hash);
}

function parseRunbookText(text: string, file: string, hash: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const deep = nestingProblem(text);
  if (deep) return { diagnostics: [diagnostic(file, 'RB005', deep.message, { line: deep.line })] };
  const long = lineCountProblem(text);
  if (long) return { diagnostics: [diagnostic(file, 'RB006', long.message, { line: long.line })] };
  const parsed = outline(text);
  for (const look of parsed.lookAlikes) diagnostics.push(diagnostic(file, 'RB022', look.message, look));
  const frontmatter = readFrontmatter(parsed, file, diagnostics);
  const { intro, steps } = readSteps(parsed, file, diagnostics);
  if (steps.length === 0 && !hasErrors(diagnostics)) {
    diagnostics.push(diagnostic(file, 'RB010', 'the runbook has no steps (no `##` headings)', { line: lastLine(text) }));
  }
  if (!frontmatter || hasErrors(diagnostics)) return { diagnostics };
  diagnostics.push(...checkBackgroundNames(steps, file));
  if (hasErrors(diagnostics)) return { diagnostics };
  return {
    runbook: { id: basename(file, extname(file)), file, hash, frontmatter, intro, steps },
    diagnostics,
  };
}

/**
 * Background blocks are named once, and `await=`/`stop=` name a background block of an earlier
 * step that nothing has ended yet: a typo would otherwise wait for nothing or leave load running.
 */
function checkBackgroundNames(steps: readonly Step[], file: string): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const started = new Map<string, number>();
  const ended = new Map<string, number>();
  for (const step of steps) {
    for (const block of [step.run, step.verify, step.rollback]) {
      if (!block) continue;
      for (const key of ['await', 'stop'] as const) {
        const name = block.options[key];
        if (name === undefined) continue;
        if (!started.has(name)) {
          problems.push(diagnostic(file, 'RB013', `\`${key}=${name}\` names no background block of an earlier step${started.size ? ` (started so far: ${[...started.keys()].join(', ')})` : ''}`, { line: block.line }));
        } else if (ended.has(name)) {
          problems.push(diagnostic(file, 'RB013', `background block \`${name}\` is already ended on line ${ended.get(name)}`, { line: block.line }));
        } else {
          ended.set(name, block.line);
        }
      }
      const name = block.options.background;
      if (name !== undefined) {
        if (started.has(name)) problems.push(diagnostic(file, 'RB013', `background block \`${name}\` is already started on line ${started.get(name)}; give each a name of its own`, { line: block.line }));
        else started.set(name, block.line);
      }
    }
  }
  return problems;
}

function readFrontmatter({ doc }: Outline, file: string, diagnostics: Diagnostic[]): RunbookFrontmatter | undefined {
  if (!doc.frontmatter) {
    diagnostics.push(diagnostic(file, 'RB003', 'the file has no YAML frontmatter; a runbook starts with `---`, `title: …`, `---`', { line: 1 }));
    return undefined;
  }
  const startLine = doc.frontmatter.firstLine;
  const parsed = parseFrontmatter(doc.frontmatter.yaml, file, startLine, diagnostics);
  if (!parsed) return undefined;
  if (parsed.data === null || typeof parsed.data !== 'object' || Array.isArray(parsed.data)) {
    diagnostics.push(diagnostic(file, 'RB002', 'frontmatter must be a YAML map with at least `title:`', { line: startLine }));
    return undefined;
  }
  return validateFrontmatter(runbookFrontmatterSchema, parsed, file, diagnostics);
}

function readSteps({ parts, nestedFences }: Outline, file: string, diagnostics: Diagnostic[]): { intro: string; steps: Step[] } {
  const steps: Step[] = [];
  const introParts: string[] = [];
  const titles = new Map<string, number>();
  let current: { step: Step; prose: string[] } | undefined;

  const finish = () => {
    if (!current) return;
    current.step.description = current.prose.join('\n\n');
    current.step.manual = current.step.run === undefined;
    steps.push(current.step);
  };

  // Executable blocks must sit directly under the step heading, not inside lists or quotes.
  for (const nested of nestedFences) {
    diagnostics.push(diagnostic(file, 'RB016', 'an executable block must sit directly under a `##` step heading, not inside a list or quote', { line: nested.line }));
  }
  for (const part of parts) {
    if (part.kind === 'heading') {
      finish();
      const title = part.title.trim();
      const line = part.line;
      if (title === '') diagnostics.push(diagnostic(file, 'RB020', 'a `##` step heading has no title', { line }));
      const previous = titles.get(title.toLowerCase());
      if (previous !== undefined && title !== '') {
        diagnostics.push(diagnostic(file, 'RB011', `step title "${title}" is used twice (first on line ${previous})`, { line }));
      }
      titles.set(title.toLowerCase(), line);
      current = { step: { index: steps.length + 1, title, line, description: '', manual: true }, prose: [] };
      continue;
    }
    const block = part.kind === 'fence' ? readBlock(part, file, diagnostics) : undefined;
    if (!current) {
      if (block) {
        diagnostics.push(diagnostic(file, 'RB016', `a \`${block.role}\` block appears before the first \`##\` step`, { line: block.line }));
      } else {
        introParts.push(part.source);
      }
      continue;
    }
    if (!block) {
      current.prose.push(part.source);
      continue;
    }
    const existing = current.step[block.role];
    if (existing) {
      diagnostics.push(diagnostic(file, 'RB012', `step "${current.step.title}" has a second \`${block.role}\` block (the first is on line ${existing.line})`, { line: block.line }));
      continue;
    }
    current.step[block.role] = block;
  }
  finish();
  return { intro: introParts.join('\n\n'), steps };
}

/** Parses a fence's info string; returns a Block only for executable blocks. */
function readBlock(fence: FencePart, file: string, diagnostics: Diagnostic[]): Block | undefined {
  const { line, lang, words } = fence;
  const info = [lang, ...words].join(' ');
  const columnOf = (word: string) => 1 + Math.max(0, fence.opening.indexOf(word));

  if (!fence.closed) {
    diagnostics.push(diagnostic(file, 'RB017', 'this code fence is never closed, so it runs to the end of the file', { line }));
    return undefined;
  }

  const roles = words.filter((word): word is BlockRole => (ROLES as readonly string[]).includes(word));
  if ((ROLES as readonly string[]).includes(lang)) {
    diagnostics.push(diagnostic(file, 'RB015', `the block's language is missing: write \`sh ${lang}\`, \`bash ${lang}\` or \`js ${lang}\``, { line, column: columnOf(lang) }));
    return undefined;
  }
  if (roles.length === 0) {
    if (EXECUTABLE_LANGS.has(lang)) {
      for (const word of words) {
        const near = word.includes('=') || word.length < 3 ? undefined : closest(word.toLowerCase(), ROLES, 2);
        if (near) {
          diagnostics.push(diagnostic(file, 'RB014', `unknown word \`${word}\` in the info string \`${info}\`; did you mean \`${near}\`? (as written, the block is documentation and never runs)`, { line, column: columnOf(word) }));
        }
      }
    }
    return undefined;
  }
  if (roles.length > 1) {
    diagnostics.push(diagnostic(file, 'RB019', `one block cannot be both ${roles.map((r) => `\`${r}\``).join(' and ')}`, { line, column: columnOf(roles[1] as string) }));
    return undefined;
  }
  const role = roles[0] as BlockRole;
  if (!EXECUTABLE_LANGS.has(lang)) {
    diagnostics.push(diagnostic(file, 'RB015', `a \`${role}\` block must be written in sh, bash or js, not ${lang === '' ? 'a block with no language' : `\`${lang}\``}`, { line }));
    return undefined;
  }
  const rawOptions: Record<string, string> = {};
  let ok = true;
  for (const word of words) {
    if (word === role) continue;
    const eq = word.indexOf('=');
    if (eq <= 0) {
      diagnostics.push(diagnostic(file, 'RB014', `unknown word \`${word}\` in the info string \`${info}\``, { line, column: columnOf(word) }));
      ok = false;
      continue;
    }
    const key = word.slice(0, eq);
    if (key in rawOptions) {
      diagnostics.push(diagnostic(file, 'RB013', `option \`${key}\` is given twice`, { line, column: columnOf(word) }));
      ok = false;
    }
    rawOptions[key] = word.slice(eq + 1);
  }
  const parsed = blockOptionsSchema.safeParse(rawOptions);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          diagnostics.push(diagnostic(file, 'RB013', `unknown option \`${key}\`; options are timeout, retries, delay, background, await and stop`, { line, column: columnOf(`${key}=`) }));
        }
        continue;
      }
      const key = String(issue.path[0] ?? '');
      const value = rawOptions[key] ?? '';
      const expected = key === 'retries' ? 'a whole number from 0 to 20' : ['background', 'await', 'stop'].includes(key) ? 'a name of lower-case letters, digits, - and _ (e.g. load)' : 'a duration such as 500ms, 30s, 10m or 2h';
      diagnostics.push(diagnostic(file, 'RB013', `option \`${key}=${value}\` is invalid: ${key} must be ${expected}`, { line, column: columnOf(`${key}=`) }));
    }
    ok = false;
  }
  if (fence.code.trim() === '') {
    diagnostics.push(diagnostic(file, 'RB018', `the \`${role}\` block is empty`, { line }));
    ok = false;
  }
  if (!ok || !parsed.success) return undefined;
  const options: BlockOptionsMs = {};
  if (parsed.data.timeout !== undefined) options.timeoutMs = parsed.data.timeout;
  if (parsed.data.retries !== undefined) options.retries = parsed.data.retries;
  if (parsed.data.delay !== undefined) options.delayMs = parsed.data.delay;
  for (const key of ['background', 'await', 'stop'] as const) if (parsed.data[key] !== undefined) options[key] = parsed.data[key];
  if (options.background !== undefined && role !== 'run') {
    diagnostics.push(diagnostic(file, 'RB013', `only a \`run\` block can run in the background, not a \`${role}\` block`, { line, column: columnOf('background=') }));
    return undefined;
  }
  if (options.background !== undefined && (options.retries ?? 0) > 0) {
    diagnostics.push(diagnostic(file, 'RB013', 'a background block cannot retry: it is started once and watched until it ends', { line, column: columnOf('retries=') }));
    return undefined;
  }
  return { role, lang: lang as BlockLang, code: fence.code, info, options, line };
}

function lastLine(text: string): number {
  return Math.max(1, text.split('\n').length);
}
