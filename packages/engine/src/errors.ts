/**
 * One catalog of the errors a user can see. Each has a stable code, a message and a hint;
 * the CLI maps them to exit codes in one place (cli.ts). Wording: what is wrong, then how to fix it.
 */

import type { Diagnostic } from './diagnostics.js';

/** Exit codes, documented in the CLI reference (generated from this table). */
export const EXIT = {
  passed: 0,
  failed: 1,
  invalid: 2,
  rollbackFailed: 3,
  locked: 4,
  notRolledBack: 5,
  internal: 70,
  interrupted: 130,
} as const;

export const EXIT_CODES: ReadonlyArray<{ code: number; name: string; meaning: string }> = [
  { code: EXIT.passed, name: 'passed', meaning: 'Every step passed (or: the command succeeded; `check`: the gate is GO).' },
  { code: EXIT.failed, name: 'failed', meaning: 'A step failed and every rollback block ran cleanly (`check`: the gate is NO-GO).' },
  { code: EXIT.invalid, name: 'invalid', meaning: 'Invalid runbook, checklist, params or usage: nothing was executed.' },
  { code: EXIT.rollbackFailed, name: 'rollback-failed', meaning: 'A step failed and a rollback block failed too: a human must look.' },
  { code: EXIT.locked, name: 'locked', meaning: 'The runbook, or a resource it names in `locks:`, is locked by another run (its run id, pid and host are printed), here or through READYBOOK_STORE.' },
  { code: EXIT.notRolledBack, name: 'failed-not-rolled-back', meaning: 'A step failed and, as `--no-rollback` asked, nothing was rolled back: the system is as the failed step left it.' },
  { code: EXIT.internal, name: 'internal', meaning: 'A bug in Readybook, or the engine failed mid-run; the run is ended in its journal as `internal-error` (READYBOOK_DEBUG=1 prints the stack).' },
  { code: EXIT.interrupted, name: 'interrupted', meaning: 'Interrupted by Ctrl-C, SIGTERM or SIGHUP (also Ctrl-C at a manual step\'s prompt): the running step was stopped and rolled back; after a second Ctrl-C the rollback is unfinished and `resume` finishes it.' },
];

export interface CatalogEntry {
  title: string;
  hint: string;
  exit: number;
}

export const ERRORS = {
  // Runbooks (RB0xx), the CLI and runs.
  RB001: { title: 'Invalid YAML frontmatter', hint: 'Fix the YAML between the two `---` lines.', exit: EXIT.invalid },
  RB002: { title: 'Invalid frontmatter field', hint: 'See the runbook format reference for the allowed fields and types.', exit: EXIT.invalid },
  RB003: { title: 'Missing frontmatter', hint: 'Start the file with `---`, a YAML block with at least `title:`, and `---`.', exit: EXIT.invalid },
  RB004: { title: 'Unreadable file', hint: 'Runbooks must be UTF-8 text files of at most 1 MiB.', exit: EXIT.invalid },
  RB005: { title: 'Nesting too deep', hint: 'Flatten the quotes, lists or indentation: Markdown nested this deep is not a runbook.', exit: EXIT.invalid },
  RB006: { title: 'Too many lines', hint: 'Split the runbook, or move long scripts and data into files that its steps call: a runbook has at most 40,000 lines.', exit: EXIT.invalid },
  RB010: { title: 'No steps', hint: 'Each `##` heading is a step; add at least one.', exit: EXIT.invalid },
  RB011: { title: 'Duplicate step title', hint: 'Step titles name steps in journals and resumes; make each one unique.', exit: EXIT.invalid },
  RB012: { title: 'Duplicate block role', hint: 'A step has at most one `run`, one `verify` and one `rollback` block; merge them or split the step.', exit: EXIT.invalid },
  RB013: { title: 'Invalid block option', hint: 'Options are written key=value after the role, e.g. ```` ```sh run timeout=10m retries=2 ````.', exit: EXIT.invalid },
  RB014: { title: 'Unknown info-string word', hint: 'Only the words run, verify, rollback and key=value options may follow the language of an executable block.', exit: EXIT.invalid },
  RB015: { title: 'Language cannot run', hint: 'Executable blocks must be `sh`, `bash` or `js`.', exit: EXIT.invalid },
  RB016: { title: 'Executable block outside a step', hint: 'Move the block under a `##` step heading.', exit: EXIT.invalid },
  RB017: { title: 'Unterminated code fence', hint: 'Close the fenced block with the same fence (```) it was opened with.', exit: EXIT.invalid },
  RB018: { title: 'Empty executable block', hint: 'Write the commands, or remove the role word to make it documentation.', exit: EXIT.invalid },
  RB019: { title: 'Two roles in one block', hint: 'A block is either run, verify or rollback; write one block per role.', exit: EXIT.invalid },
  RB021: { title: 'Block syntax error', hint: 'Fix the block so `bash -n` (sh/bash) or a JavaScript module parse (js) accepts it; the line is where the parser gave up.', exit: EXIT.invalid },
  RB022: { title: 'Looks like a step or block, but is not one', hint: 'Write a step as `## Title` at the start of a line, and an executable block as a top-level fence (```` ```sh run ````) directly under it: Readybook refuses what only looks like one rather than guess.', exit: EXIT.invalid },
  RB020: { title: 'Empty step title', hint: 'Give every `##` heading a title.', exit: EXIT.invalid },
  RB030: { title: 'Invalid param value', hint: 'Pass a value with `--param NAME=value` that matches the param type and pattern.', exit: EXIT.invalid },
  RB031: { title: 'Missing required param', hint: 'Pass it with `--param NAME=value` or set it in the environment.', exit: EXIT.invalid },
  RB032: { title: 'Unknown param', hint: 'Run `readybook plan <runbook>` to list the params the runbook declares.', exit: EXIT.invalid },
  RB033: { title: 'Malformed --param', hint: 'Write params as `--param NAME=value`.', exit: EXIT.invalid },
  RB040: { title: 'Runbook not found', hint: 'Give a path to a .md file, or the name of a runbook in runbooks/ without .md.', exit: EXIT.invalid },
  RB041: { title: 'Run not found', hint: 'List runs with `readybook runs`.', exit: EXIT.invalid },
  RB042: { title: 'Runbook changed since the run', hint: 'Resume with `--force` to run the changed steps anyway, or start a new run.', exit: EXIT.invalid },
  RB043: { title: 'Nothing to resume', hint: 'The run already passed; start a new run with `readybook run`.', exit: EXIT.invalid },
  RB044: { title: 'Manual step needs confirmation', hint: 'Run on a terminal to confirm interactively, or pass `--yes` to confirm manual steps in a non-interactive run.', exit: EXIT.invalid },
  RB045: { title: 'Missing program', hint: 'Install it or put it on PATH, then run again.', exit: EXIT.invalid },
  RB046: { title: 'Corrupt journal', hint: 'The run directory is damaged; start a new run.', exit: EXIT.invalid },
  RB050: { title: 'Runbook locked', hint: 'Wait for the other run to end. A lock left by a dead process is taken over automatically.', exit: EXIT.locked },
  RB051: { title: 'Resource locked', hint: 'Another run holds a resource that this runbook names in `locks:`; wait for it to end. A lock left by a dead process is freed (the store) or taken over (the file store) automatically.', exit: EXIT.locked },
  RB052: { title: 'Lock lost mid-run', hint: 'The store connection holding the run\'s locks dropped and they could not be regained, so exclusivity was no longer guaranteed: no further step was started and nothing was rolled back. Check the store, then `readybook resume <run-id>` continues the run.', exit: EXIT.notRolledBack },
  RB053: { title: 'Store unreachable', hint: 'Check READYBOOK_STORE (a PostgreSQL connection string such as postgresql://readybook@db.example:5432/readybook; its password is never printed) and that the server answers; unset it to use the local file store only.', exit: EXIT.invalid },
  RB054: { title: 'Store connection is pooled', hint: 'Session advisory locks need a session: point READYBOOK_STORE at PostgreSQL itself, or at a PgBouncer pool in session mode, not at a transaction-pooling proxy (PgBouncer pool_mode=transaction, most serverless "poolers").', exit: EXIT.invalid },
  RB055: { title: 'Store schema mismatch', hint: 'The engine creates and migrates its tables itself; the role in READYBOOK_STORE needs CREATE on its schema for that (once, or run `readybook sync` as the owner role). See ADR 0024 for the least-privilege grants.', exit: EXIT.invalid },
  RB060: { title: 'Usage error', hint: 'Run `readybook --help` for the commands and options.', exit: EXIT.invalid },
  RB061: { title: 'Cannot write', hint: 'Check the permissions of READYBOOK_HOME and the target directory.', exit: EXIT.invalid },
  // Alerts and run metrics.
  RB062: { title: 'Rule file does not parse', hint: 'A Prometheus rule file is YAML: `groups:`, each with `name:` and `rules:`, each rule with `alert:` (or `record:`) and `expr:`. Check it with `promtool check rules FILE`.', exit: EXIT.invalid },
  RB063: { title: 'Alert without severity', hint: 'Give the alert `labels: { severity: critical | warning | info }`: critical pages someone, warning opens a ticket.', exit: EXIT.invalid },
  RB064: { title: 'Alert without runbook_url', hint: 'Give the alert `annotations: { runbook_url: <site>runbooks/<id>/ }`, the published page of the runbook that answers it.', exit: EXIT.invalid },
  RB065: { title: 'runbook_url names no runbook', hint: 'A runbook_url is the site URL (apps/docs/astro.config.ts) followed by runbooks/<id>/, where runbooks/<id>.md exists; fix the id or write the runbook.', exit: EXIT.invalid },
  RB066: { title: 'Runbook names an unknown alert', hint: 'Each name in a runbook\'s `alerts:` must be the `alert:` of a rule in monitoring/rules/; fix the spelling or add the rule.', exit: EXIT.invalid },
  RB067: { title: 'Alert and runbook disagree', hint: 'The runbook an alert links to lists the alerts it answers; add this alert to its `alerts:`, or point the alert at the runbook that does.', exit: EXIT.invalid },
  RB068: { title: 'No rule files', hint: 'Runbooks name alerts but the rules folder (monitoring/rules/) is missing or has no .yml files; add the rule files or remove `alerts:`.', exit: EXIT.invalid },
  RB069: { title: 'Cannot publish run metrics', hint: 'Check that READYBOOK_PUSHGATEWAY is the base URL of a running Pushgateway (e.g. http://127.0.0.1:9091) and that READYBOOK_METRICS_TEXTFILE names a writable file; unset them to stop publishing. The run\'s own result is unchanged.', exit: EXIT.invalid },
  RB070: { title: 'Evidence does not verify', hint: 'Run `readybook verify <run-id|file>` to see what is wrong; only intact, signed runs count as evidence.', exit: EXIT.failed },
  RB071: { title: 'Nothing to verify', hint: 'Give a run id (see `readybook runs`), `latest`, an evidence file under evidence/runs/ or a release file under evidence/releases/.', exit: EXIT.invalid },
  RB072: { title: 'Signing key unusable', hint: 'READYBOOK_SIGNING_KEY must name an unencrypted Ed25519 key (PKCS#8 PEM, or OpenSSH from `ssh-keygen -t ed25519 -N ""`); unset it to use the home\'s own key.', exit: EXIT.invalid },
  RB073: { title: 'Cannot sign off', hint: 'Name the item by its line number or a unique part of its text, give the role its check asks for (`manual(role=…)`), and a key listed for that role in evidence/allowed_signers.', exit: EXIT.invalid },
  RB080: { title: 'Cannot write the JUnit report', hint: 'Give `--junit` a file path (not a folder) in a directory you can write, e.g. `--junit reports/readybook.xml`; missing parent folders are created.', exit: EXIT.invalid },
  RB074: { title: 'Cannot publish evidence', hint: 'Only a finished run can be published: list runs with `readybook runs`, and check READYBOOK_HOME.', exit: EXIT.invalid },
  // Checklists (CL0xx).
  CL001: { title: 'Checklist has no frontmatter', hint: 'Start the file with `---`, `title:`, `gate:`, `owner:` and `---`.', exit: EXIT.invalid },
  CL002: { title: 'Checklist frontmatter is not valid YAML', hint: 'Check the indentation and quoting of the YAML between the two `---` lines.', exit: EXIT.invalid },
  CL003: { title: 'Invalid checklist frontmatter field', hint: 'See the checklist format reference for the fields and their types.', exit: EXIT.invalid },
  CL010: { title: 'Unknown check kind', hint: 'A check is `evidence:`, `measure:`, `command:` or `manual`, in a code span at the end of the item.', exit: EXIT.invalid },
  CL011: { title: 'Malformed check', hint: 'Write the check as in the checklist format reference, e.g. `evidence: backup` or `measure: restore RTO_SECONDS < 900`.', exit: EXIT.invalid },
  CL012: { title: 'Unknown comparator', hint: 'Compare with <, <=, >, >=, == or !=.', exit: EXIT.invalid },
  CL013: { title: 'Invalid duration', hint: 'Write a duration such as 30s, 10m, 2h or 7d.', exit: EXIT.invalid },
  CL014: { title: 'Invalid runbook id', hint: 'A runbook id is the file name in runbooks/ without .md: lower-case letters, digits and -.', exit: EXIT.invalid },
  CL015: { title: 'Invalid output name', hint: 'Output names are upper-case letters, digits and _, as the runbook writes them.', exit: EXIT.invalid },
  CL016: { title: 'Threshold is not a number or a baseline', hint: 'Write the threshold as a number, e.g. `< 900`, or relative to earlier runs, e.g. `<= median + 10%`.', exit: EXIT.invalid },
  CL017: { title: 'Unknown check option', hint: 'See the checklist format reference for the options of each check.', exit: EXIT.invalid },
  CL018: { title: 'Option outside the parentheses', hint: 'Options go in parentheses right after the kind, e.g. `evidence(within=7d): backup`.', exit: EXIT.invalid },
  CL019: { title: 'Empty command', hint: 'Write the command to run after `command:`.', exit: EXIT.invalid },
  CL020: { title: 'Item outside a section', hint: 'Put a `## Section` heading above the first item.', exit: EXIT.invalid },
  CL021: { title: 'Ticked automated item', hint: 'Leave it `[ ]`: its check decides, and the tick is ignored.', exit: EXIT.invalid },
  CL022: { title: 'Malformed sign-off', hint: 'Write a sign-off as `— signed: alice (security-lead) 2026-11-20`.', exit: EXIT.invalid },
  CL023: { title: 'Checklist has no items', hint: 'Write items as `- [ ] text` under `##` sections.', exit: EXIT.invalid },
  CL024: { title: 'Unknown runbook', hint: 'Name a runbook of runbooks/ (its file name without .md).', exit: EXIT.invalid },
  CL025: { title: 'Checklist nesting too deep', hint: 'Flatten the nested items: a checklist item nested this deep is not a checklist.', exit: EXIT.invalid },
  CL026: { title: 'Checklist has too many lines', hint: 'Split the checklist: a checklist has at most 1,000 lines.', exit: EXIT.invalid },
  CL027: { title: 'Baseline without a median', hint: '`baseline=N` counts the earlier runs a `median` threshold uses: write `measure(baseline=5): load-test P95_MS <= median + 10%`.', exit: EXIT.invalid },
  CL040: { title: 'Checklist not found', hint: 'Give a path to a .md file, or the name of a checklist in checklists/ without .md.', exit: EXIT.invalid },
  CL041: { title: 'Invalid checklist', hint: 'Fix the diagnostics above; `readybook check <checklist>` evaluates nothing until the file is valid.', exit: EXIT.invalid },
  ADR001: { title: 'ADR frontmatter is not valid YAML', hint: 'Fix the YAML between the two `---` lines.', exit: EXIT.invalid },
  ADR002: { title: 'Invalid ADR frontmatter field', hint: 'An ADR has number, title, status, date, deciders, tags, supersedes and superseded-by; see `readybook adr new` for a template.', exit: EXIT.invalid },
  ADR003: { title: 'ADR has no frontmatter', hint: 'Start the ADR with `---`, its YAML frontmatter and `---` (`readybook adr new <title>` writes one).', exit: EXIT.invalid },
  ADR004: { title: 'Unreadable ADR', hint: 'ADRs are UTF-8 text files of at most 1 MiB.', exit: EXIT.invalid },
} as const satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof ERRORS;

/** An error meant for the user: a sentence, a hint, a code and an exit code. Never printed with a stack. */
export class ReadybookError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly exitCode: number;
  /** Extra lines (e.g. diagnostics) printed after the message. */
  readonly details: string[];
  /** The diagnostics behind the error, when there are some (CI annotations point at their file:line). */
  readonly diagnostics: readonly Diagnostic[];

  constructor(code: ErrorCode, message: string, options: { hint?: string; details?: string[]; exitCode?: number; diagnostics?: readonly Diagnostic[] } = {}) {
    super(message);
    this.name = 'ReadybookError';
    this.code = code;
    this.hint = options.hint ?? ERRORS[code].hint;
    this.exitCode = options.exitCode ?? ERRORS[code].exit;
    this.details = options.details ?? [];
    this.diagnostics = options.diagnostics ?? [];
  }
}
