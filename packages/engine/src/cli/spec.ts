/**
 * The CLI's commands and options as plain data: the CLI parses with them, and the docs site
 * generates the CLI reference from them, so the two cannot drift.
 */
export { EXIT_CODES } from '../errors.js';

export interface ArgSpec {
  type: 'positional' | 'string' | 'boolean';
  /** A positional that takes any number of values (only the last positional may). */
  variadic?: boolean;
  description: string;
  required?: boolean;
  default?: string | boolean;
  alias?: string[];
  valueHint?: string;
}

export interface CommandSpec {
  meta: { name: string; description: string };
  args: Record<string, ArgSpec>;
  examples: string[];
}

const param: ArgSpec = { type: 'string', alias: ['p'], valueHint: 'NAME=value', description: 'Set a param (repeatable). Overrides the environment and the default.' };
const junit = (what: string): ArgSpec => ({ type: 'string', valueHint: 'file', description: `Also write a JUnit XML report for CI test reporters: ${what}. Written even when it fails or is interrupted; missing folders are created.` });
const json: ArgSpec = { type: 'boolean', description: 'Print JSON (events as JSON lines for run/resume) on stdout and nothing else.' };

export const commands = {
  validate: {
    meta: { name: 'validate', description: 'Check runbooks (default: every runbook in runbooks/) and print file:line:col diagnostics. Exit 2 on any error.' },
    args: { paths: { type: 'positional', required: false, variadic: true, description: 'Runbook files or folders to check.', valueHint: 'paths…' }, junit: junit('a test case per runbook file, failing with its diagnostics (file:line)'), json },
    examples: ['readybook validate', 'readybook validate runbooks/backup.md', 'readybook validate --junit reports/validate.xml'],
  },
  plan: {
    meta: { name: 'plan', description: 'Dry run: resolve params and show each step, its blocks and options, with secrets masked. Nothing is executed.' },
    args: { runbook: { type: 'positional', required: true, description: 'A path to a runbook, or its name in runbooks/ without .md.' }, param, json },
    examples: ['readybook plan backup --param KEEP=3'],
  },
  run: {
    meta: { name: 'run', description: 'Run a runbook: each step, then its verify block; on failure, roll back in reverse order.' },
    args: {
      runbook: { type: 'positional', required: true, description: 'A path to a runbook, or its name in runbooks/ without .md.' },
      param,
      yes: { type: 'boolean', alias: ['y'], description: 'Confirm manual steps without prompting (for CI and scripts).' },
      'no-rollback': { type: 'boolean', description: 'On failure, stop without running rollback blocks (resume later).' },
      verbose: { type: 'boolean', alias: ['v'], description: 'Stream every line of step output, not just the tail.' },
      junit: junit('a test case per step, failing with the (masked) tail of its output, skipped when not reached'),
      json,
    },
    examples: ['readybook run hello --param NAME=Ada', 'readybook run deploy --param VERSION=v2 --yes --json', 'readybook run backup --yes --junit reports/backup.xml'],
  },
  resume: {
    meta: { name: 'resume', description: 'Continue a failed, interrupted or killed run: passed steps are not run again; the step in flight is.' },
    args: {
      runId: { type: 'positional', required: true, description: 'The run id (see `readybook runs`).', valueHint: 'run-id' },
      param,
      force: { type: 'boolean', description: 'Resume even though the runbook changed since the run started.' },
      yes: { type: 'boolean', alias: ['y'], description: 'Confirm manual steps without prompting.' },
      'no-rollback': { type: 'boolean', description: 'On failure, stop without running rollback blocks.' },
      verbose: { type: 'boolean', alias: ['v'], description: 'Stream every line of step output.' },
      junit: junit('a test case per step of the whole run, as for `run`'),
      json,
    },
    examples: ['readybook resume 20261124T111502Z-deploy-3f9a1c'],
  },
  runs: {
    meta: { name: 'runs', description: 'List runs in READYBOOK_HOME, and in the store when READYBOOK_STORE is set, newest first.' },
    args: { runbook: { type: 'string', description: 'Only runs of this runbook id.' }, limit: { type: 'string', default: '20', valueHint: 'n', description: 'How many runs to show (a whole number, 1 or more).' }, json },
    examples: ['readybook runs', 'readybook runs --runbook dr-drill --json'],
  },
  report: {
    meta: { name: 'report', description: "Print a run's report (steps, status, durations, outputs)." },
    args: {
      runId: { type: 'positional', required: true, description: 'The run id, or `latest`.', valueHint: 'run-id' },
      format: { type: 'string', default: 'md', valueHint: 'md|json', description: 'Output format.' },
      json: { type: 'boolean', description: 'The report as JSON (the same as `--format json`).' },
    },
    examples: ['readybook report latest', 'readybook report 20261124T111502Z-backup-3f9a1c --format json'],
  },
  check: {
    meta: { name: 'check', description: 'Evaluate a readiness checklist from run evidence and print GO / NO-GO. Exit 0 GO, 1 NO-GO, 2 invalid.' },
    args: {
      checklist: { type: 'positional', required: true, description: 'A path to a checklist, or its name in checklists/ without .md.' },
      json,
      write: { type: 'boolean', description: 'Write the evaluation to evidence/evaluations/<checklist-id>.json (never after an interruption).' },
      release: { type: 'string', valueHint: 'tag', description: 'Also write a signed go/no-go decision record (an in-toto Statement) to evidence/releases/<checklist-id>/<tag>.intoto.json.' },
      junit: junit('a test case per item, failing for each required item that blocks the gate'),
      'no-write': { type: 'boolean', description: 'Deprecated: `check` only writes with --write.' },
    },
    examples: ['readybook check production-readiness', 'readybook check production-readiness --json', 'readybook check launch-signoff --release v1.2.0', 'readybook check production-readiness --junit reports/gate.xml'],
  },
  verify: {
    meta: { name: 'verify', description: "Check a run's journal chain, signature, length and report, or a committed evidence or release file. Exit 0 verified, 1 not." },
    args: {
      target: { type: 'positional', required: true, valueHint: 'run-id|file', description: 'A run id, `latest`, an evidence file (evidence/runs/…/<run-id>.json) or a release record (evidence/releases/…).' },
      json,
    },
    examples: ['readybook verify latest', 'readybook verify evidence/runs/dr-drill/20261202T031500Z-dr-drill-1a2b3c.json'],
  },
  sync: {
    meta: { name: 'sync', description: 'Send the store (READYBOOK_STORE) what runs of this home still owe it: events queued while it did not answer, reports and seals.' },
    args: { json },
    examples: ['READYBOOK_STORE=postgresql://readybook@db.example/readybook readybook sync'],
  },
  locks: {
    meta: { name: 'locks', description: "Who holds which lock now: this home's, and with READYBOOK_STORE every machine's (run, runbook, operator, host, pid, since)." },
    args: { json },
    examples: ['readybook locks', 'READYBOOK_STORE=postgresql://readybook@db.example/readybook readybook locks --json'],
  },
  signoff: {
    meta: { name: 'signoff', description: "Sign a checklist's manual item with your SSH key (ssh-keygen -Y sign), over its text and the checklist's current evidence." },
    args: {
      checklist: { type: 'positional', required: true, description: 'A path to a checklist, or its name in checklists/ without .md.' },
      item: { type: 'positional', required: true, description: "The item: its line number, or a unique part of its text.", valueHint: 'item' },
      role: { type: 'string', valueHint: 'role', description: 'The role you sign as; must be the role the item asks for.' },
      key: { type: 'string', valueHint: 'path', description: 'Your SSH private key (default: git config user.signingkey, else ~/.ssh/id_ed25519).' },
      name: { type: 'string', valueHint: 'name', description: 'Your name as shown on the sign-off (default: git config user.name, else the OS user).' },
      json,
    },
    examples: ['readybook signoff launch-signoff "security review" --role security-lead --key ~/.ssh/id_ed25519'],
  },
  evidence: {
    meta: { name: 'evidence', description: 'Publish a run as committed evidence: `evidence add <run-id>` copies its masked report into evidence/.' },
    args: {
      action: { type: 'positional', required: true, description: 'add', valueHint: 'add' },
      runId: { type: 'positional', required: true, description: 'The run id, or `latest`.', valueHint: 'run-id' },
    },
    examples: ['readybook evidence add latest'],
  },
  adr: {
    meta: { name: 'adr', description: 'Architecture Decision Records: `adr new "<title>"` creates the next-numbered file in decisions/.' },
    args: {
      action: { type: 'positional', required: true, description: 'new', valueHint: 'new' },
      title: { type: 'positional', required: true, variadic: true, description: 'The decision, as a short title.', valueHint: 'title' },
      dir: { type: 'string', description: 'The ADR folder (default: decisions/ found from the working directory).' },
    },
    examples: ['readybook adr new "Use PostgreSQL logical backups"'],
  },
} satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof commands;

export const globalOptions: Record<string, ArgSpec> = {
  help: { type: 'boolean', alias: ['h'], description: 'Show help for a command.' },
  version: { type: 'boolean', description: 'Print the version.' },
};

export const ENVIRONMENT: ReadonlyArray<{ name: string; description: string }> = [
  { name: 'READYBOOK_HOME', description: 'Where runs, locks and reports are kept. Default: `.readybook` at the root of the git repository, else in the working directory.' },
  { name: 'READYBOOK_SIGNING_KEY', description: 'The Ed25519 key that signs runs, evidence and release records (default: `keys/signing-key.pem` in READYBOOK_HOME, made on first use).' },
  { name: 'READYBOOK_OPERATOR', description: 'The operator name recorded in journals (default: the OS user).' },
  { name: 'GITHUB_ACTIONS', description: 'When `true` (set by GitHub Actions): `run` and `resume` append the run report, and `check` the evaluation, to `$GITHUB_STEP_SUMMARY`; failed steps, blocking items and diagnostics are printed as `::error` annotations (on stderr with `--json`).' },
  { name: 'NO_COLOR', description: 'Disable colour. Output that is not a terminal is never coloured.' },
];
