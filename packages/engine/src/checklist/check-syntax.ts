import { type Check, checkSchema, comparatorSchema, parseDuration } from '@readybook/schema';
import { diagnostic } from '../diagnostics.js';
import type { ErrorCode } from '../errors.js';
import { closest } from '../suggest.js';
import type { Diagnostic } from './types.js';

/**
 * The grammar of a check span (ADR 0010):
 *
 *   kind [ "(" option { "," option } ")" ] ":" body      option = advisory | required | key=value
 *
 *   evidence(within=7d): dr-drill
 *   measure: dr-drill RTO_SECONDS < 14400
 *   measure(baseline=5): load-test P95_MS <= median + 10%
 *   command(timeout=3m, advisory): pnpm audit --audit-level high --prod
 *   manual(role=security-lead)
 *
 * Options live in the parentheses so a command's body is passed to bash exactly as written.
 */
export const CHECK_KINDS = ['evidence', 'measure', 'command', 'manual'] as const;
type Kind = (typeof CHECK_KINDS)[number];

const OPTION_KEYS: Record<Kind, readonly string[]> = {
  evidence: ['within'],
  measure: ['within', 'baseline'],
  command: ['timeout'],
  manual: ['role'],
};

/** How many earlier passing runs a `median` threshold compares with when `baseline=` is not given. */
export const DEFAULT_BASELINE_RUNS = 5;

const EXAMPLES: Record<Kind | 'trend', string> = {
  trend: 'measure(baseline=5): load-test P95_MS <= median + 10%',
  evidence: 'evidence(within=7d): dr-drill',
  measure: 'measure(within=7d): dr-drill RTO_SECONDS < 14400',
  command: 'command(timeout=5m): pnpm audit --audit-level high',
  manual: 'manual(role=security-lead)',
};

const RUNBOOK_ID = /^[a-z0-9][a-z0-9._-]*$/;
const OUTPUT_NAME = /^[A-Z][A-Z0-9_]*$/;
const ROLE = /^[A-Za-z0-9][\w.-]*$/;
const COMPARATOR_FIXES: Record<string, string> = { '=': '==', '=<': '<=', '=>': '>=', '≤': '<=', '≥': '>=', '<>': '!=', '≠': '!=', '===': '==', '!==': '!=' };

/** `kind(options):` with a known kind, or a lower-case word that looks like one. */
const HEAD = /^([A-Za-z][\w-]*)(?:\s*\(([^)]*)\))?\s*(:|$)/d;

export type Locate = (index: number) => { line: number; column: number };

export interface CheckSpanResult {
  /** False when the span is ordinary code, not a check: the item is then a plain manual item. */
  isCheck: boolean;
  check?: Check;
  diagnostics: Diagnostic[];
}

/** Parses the text of an item's trailing inline code span; `locate` maps an index of `text` to a file position. */
export function parseCheckSpan(text: string, file: string, locate: Locate): CheckSpanResult {
  const diagnostics: Diagnostic[] = [];
  const fail = (index: number, code: ErrorCode, message: string, hint?: string): CheckSpanResult => {
    diagnostics.push(diagnostic(file, code, message, locate(index), hint ? { hint } : 'error'));
    return { isCheck: true, diagnostics };
  };

  const start = text.length - text.trimStart().length;
  const trimmed = text.trim();
  const head = HEAD.exec(trimmed);
  const firstWord = /^[A-Za-z][\w-]*/.exec(trimmed)?.[0] ?? '';
  const known = (CHECK_KINDS as readonly string[]).includes(firstWord);

  if (!head?.indices) {
    if (!known) return { isCheck: false, diagnostics };
    const kind = firstWord as Kind;
    return fail(start + firstWord.length, 'CL011', `\`${kind}\` needs a colon before its ${kind === 'manual' ? 'end' : 'body'}`, `write it as \`${EXAMPLES[kind]}\``);
  }

  const word = head[1] as string;
  const hasOptions = head[2] !== undefined;
  const colonEnd = head.indices[3]![1];
  if (!known) {
    const looksLikeCheck = /^[a-z][a-z-]*$/.test(word) && (hasOptions || /^(\s|$)/.test(trimmed.slice(colonEnd)));
    if (!looksLikeCheck) return { isCheck: false, diagnostics };
    const guess = closest(word, CHECK_KINDS, 2);
    return fail(
      start,
      'CL010',
      `unknown check kind \`${word}\``,
      `${guess ? `did you mean \`${guess}\`? ` : ''}kinds are ${CHECK_KINDS.join(', ')}; to end an item with code that is not a check, put text after the code span`,
    );
  }

  const kind = word as Kind;
  const input: Record<string, unknown> = { kind };

  if (hasOptions) {
    const [optStart] = head.indices[2]!;
    let index = start + optStart;
    for (const raw of (head[2] as string).split(',')) {
      const at = index + (raw.length - raw.trimStart().length);
      index += raw.length + 1;
      const option = raw.trim();
      if (option === '') continue;
      if (option === 'advisory' || option === 'required') {
        input.advisory = option === 'advisory';
        continue;
      }
      const eq = option.indexOf('=');
      const key = eq === -1 ? option : option.slice(0, eq).trim();
      const value = eq === -1 ? '' : option.slice(eq + 1).trim();
      if (!OPTION_KEYS[kind].includes(key) || eq === -1) {
        const allowed = ['advisory', ...OPTION_KEYS[kind].map((k) => `${k}=…`)].join(', ');
        return fail(at, 'CL017', `\`${option}\` is not an option of \`${kind}\``, `options of ${kind}: ${allowed}`);
      }
      if (key in input) return fail(at, 'CL017', `option \`${key}\` is given twice`, 'give each option once');
      const valueAt = at + option.indexOf('=') + 1 + (option.slice(eq + 1).length - option.slice(eq + 1).trimStart().length);
      if (key === 'role') {
        if (!ROLE.test(value)) return fail(valueAt, 'CL011', `\`${value}\` is not a role name`, 'a role is one word such as security-lead');
        input.role = value;
      } else if (key === 'baseline') {
        if (!/^[1-9]\d*$/.test(value) || Number(value) > 50) {
          return fail(valueAt, 'CL016', `\`${value}\` is not a number of runs`, 'baseline=N compares with the median of the N passing runs before the latest, N from 1 to 50, e.g. baseline=5');
        }
        input.baseline = Number(value);
      } else {
        if (parseDuration(value) === undefined) {
          return fail(valueAt, 'CL013', `\`${value}\` is not a duration`, 'write a number and a unit: 500ms, 30s, 10m, 2h or 7d');
        }
        input[key] = value;
      }
    }
  }

  const bodyStart = start + colonEnd;
  const body = trimmed.slice(colonEnd);
  const tokens: Token[] = [...body.matchAll(/\S+/g)].map((m) => ({ text: m[0], at: bodyStart + m.index }));

  if (kind === 'manual') {
    if (tokens.length > 0) {
      return fail(tokens[0]!.at, 'CL011', '`manual` takes no body', 'name a required sign-off role in parentheses: `manual(role=security-lead)`');
    }
  } else if (kind === 'command') {
    if (body.trim() === '') return fail(bodyStart, 'CL019', '`command` has no command to run', `write it as \`${EXAMPLES.command}\``);
    input.command = body.trim();
  } else {
    const misplaced = tokens.find((t) => /^[a-z]+=/.test(t.text));
    if (misplaced) {
      return fail(misplaced.at, 'CL018', `\`${misplaced.text}\` must go in the parentheses after \`${kind}\``, `write it as \`${EXAMPLES[kind]}\``);
    }
    const runbook = tokens[0];
    if (!runbook) return fail(bodyStart, 'CL011', `\`${kind}\` needs a runbook id`, `write it as \`${EXAMPLES[kind]}\``);
    if (!RUNBOOK_ID.test(runbook.text)) {
      return fail(runbook.at, 'CL014', `\`${runbook.text}\` is not a runbook id`, 'a runbook id is the file name in runbooks/ without .md, in lower case, e.g. dr-drill');
    }
    input.runbook = runbook.text;
    if (kind === 'evidence' && tokens.length > 1) {
      return fail(tokens[1]!.at, 'CL011', `unexpected \`${tokens[1]!.text}\` after the runbook id`, `to compare an output, use \`${EXAMPLES.measure}\``);
    }
    if (kind === 'measure') {
      const restStart = runbook.at + runbook.text.length;
      const parts = splitMeasure(body.slice(restStart - bodyStart));
      if (!parts) {
        return fail(restStart, 'CL011', '`measure` needs an output, a comparator and a number', `write it as \`${EXAMPLES.measure}\``);
      }
      const at = (part: { at: number }) => restStart + part.at;
      const [output, op, threshold] = parts.map((p) => p.text) as [string, string, string];
      const runs = input.baseline as number | undefined;
      delete input.baseline;
      if (!OUTPUT_NAME.test(output)) {
        return fail(at(parts[0]), 'CL015', `\`${output}\` is not an output name`, 'outputs are UPPER_SNAKE_CASE names a runbook writes to $READYBOOK_OUTPUT, e.g. RTO_SECONDS');
      }
      if (!comparatorSchema.safeParse(op).success) {
        const fix = COMPARATOR_FIXES[op];
        return fail(at(parts[1]), 'CL012', `\`${op}\` is not a comparator`, `${fix ? `did you mean \`${fix}\`? ` : ''}comparators are ${comparatorSchema.options.join(' ')}`);
      }
      if (/^median\b/.test(threshold)) {
        const relative = /^median(?:\s*([+-])\s*(\d+(?:\.\d+)?)\s*%)?$/.exec(threshold);
        if (!relative) {
          return fail(at(parts[2]), 'CL016', `\`${threshold}\` is not a baseline`, 'compare with the median of earlier runs as `median`, `median + 10%` or `median - 5%`');
        }
        const percent = relative[2] === undefined ? 0 : Number(relative[2]) * (relative[1] === '-' ? -1 : 1);
        Object.assign(input, { output, op, baseline: { stat: 'median', runs: runs ?? DEFAULT_BASELINE_RUNS, percent } });
      } else {
        if (runs !== undefined) {
          return fail(at(parts[2]), 'CL027', '`baseline=` needs a threshold relative to the median of earlier runs', `write it as \`${EXAMPLES.trend}\`, or drop baseline= to compare with a fixed number`);
        }
        const value = Number(threshold);
        if (threshold.trim() === '' || !Number.isFinite(value)) {
          return fail(at(parts[2]), 'CL016', `\`${threshold}\` is not a number`, 'thresholds are plain numbers in the output\'s unit, e.g. 14400 for RTO_SECONDS, or `median + 10%` for a trend');
        }
        Object.assign(input, { output, op, threshold: value });
      }
    }
  }

  const parsed = checkSchema.safeParse(input);
  if (!parsed.success) {
    return fail(start, 'CL011', parsed.error.issues.map((i) => i.message).join('; '), `write it as \`${EXAMPLES[kind]}\``);
  }
  return { isCheck: true, check: parsed.data, diagnostics };
}

interface Token {
  text: string;
  at: number;
}

/** `OUTPUT op NUMBER`, spaced (`RTO_SECONDS < 14400`) or not (`RTO_SECONDS<14400`); `at` indexes `rest`. */
function splitMeasure(rest: string): [Token, Token, Token] | undefined {
  // A baseline threshold may be spaced (`median + 10%`): everything from `median` on is the third part.
  const trend = /^\s*([A-Za-z0-9_]+)\s*([^\sA-Za-z0-9_.+-]+)\s*(median\b.*?)\s*$/d.exec(rest);
  if (trend?.indices) return [1, 2, 3].map((g) => ({ text: trend[g]!, at: trend.indices![g]![0] })) as [Token, Token, Token];
  const words: Token[] = [...rest.matchAll(/\S+/g)].map((m) => ({ text: m[0], at: m.index }));
  if (words.length === 3) return words as [Token, Token, Token];
  const m = /^\s*([A-Za-z0-9_]+)\s*([^\sA-Za-z0-9_.+-]+)\s*(\S+)\s*$/d.exec(rest);
  if (!m?.indices) return undefined;
  const token = (g: number): Token => ({ text: m[g]!, at: m.indices![g]![0] });
  return [token(1), token(2), token(3)];
}
