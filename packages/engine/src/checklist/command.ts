import { resolve } from 'node:path';
import { formatDiagnostics } from './diagnostics.js';
import { evaluate, writeEvaluation } from './evaluate.js';
import { EvidenceError, publishEvidence } from './evidence.js';
import { displayPath, InvalidChecklistError, readChecklist, resolveChecklistPath } from './load.js';
import { renderEvaluation, shouldColor } from './render.js';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CheckArgs {
  /** A path, or a name in `<cwd>/checklists/` without `.md`. */
  checklist: string;
  /** Print the evaluation JSON only. */
  json: boolean;
  /** READYBOOK_HOME, already resolved by the CLI. */
  home: string;
  cwd: string;
  /** Also write `<evidenceDir>/evaluations/<checklist-id>.json`. */
  write: boolean;
  /** Defaults to `<cwd>/evidence`. */
  evidenceDir?: string;
  now?: Date;
  stdout?: Output;
  stderr?: Output;
}

export const CHECK_EXIT = { go: 0, noGo: 1, invalid: 2 } as const;

/** `readybook check <checklist>`: evaluates it, prints the table (or JSON) and returns 0 GO, 1 NO-GO, 2 invalid. */
export async function runCheck(args: CheckArgs): Promise<number> {
  const stdout = args.stdout ?? process.stdout;
  const stderr = args.stderr ?? process.stderr;
  const evidenceDir = resolve(args.cwd, args.evidenceDir ?? 'evidence');
  try {
    const path = await resolveChecklistPath(args.checklist, args.cwd);
    const { checklist, diagnostics } = await readChecklist(path, args.cwd);
    for (const line of formatDiagnostics(diagnostics)) stderr.write(`${line}\n`);
    const onItem = args.json
      ? undefined
      : (item: { check: { kind: string }; source?: string }) => {
          if (item.check.kind === 'command') stderr.write(`running ${item.source}\n`);
        };
    const evaluation = await evaluate(checklist, { home: args.home, evidenceDir, cwd: args.cwd, ...(args.now ? { now: args.now } : {}), ...(onItem ? { onItem } : {}) });
    if (args.json) stdout.write(`${JSON.stringify(evaluation, null, 2)}\n`);
    else stdout.write(renderEvaluation(evaluation, { color: shouldColor(stdout) }));
    if (args.write) {
      const written = await writeEvaluation(evaluation, evidenceDir);
      if (!args.json) stdout.write(`wrote ${displayPath(written, args.cwd)}\n`);
    }
    return evaluation.verdict === 'GO' ? CHECK_EXIT.go : CHECK_EXIT.noGo;
  } catch (error) {
    if (!(error instanceof InvalidChecklistError)) throw error;
    stderr.write(`${error.message}\n`);
    return CHECK_EXIT.invalid;
  }
}

export interface EvidenceAddArgs {
  runId: string;
  home: string;
  cwd: string;
  /** Defaults to `<cwd>/evidence`. */
  evidenceDir?: string;
  stdout?: Output;
  stderr?: Output;
}

/** `readybook evidence add <run-id>`: returns 0 when the report was copied, 2 when there is no such finished run. */
export async function runEvidenceAdd(args: EvidenceAddArgs): Promise<number> {
  const stdout = args.stdout ?? process.stdout;
  const stderr = args.stderr ?? process.stderr;
  try {
    const { path, status } = await publishEvidence(args.runId, { home: args.home, evidenceDir: resolve(args.cwd, args.evidenceDir ?? 'evidence') });
    stdout.write(`wrote ${displayPath(path, args.cwd)} (${status}); commit it to keep the evidence\n`);
    if (status !== 'passed') stderr.write(`note: run ${args.runId} ${status}: checks only count passing runs\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof EvidenceError)) throw error;
    stderr.write(`error: ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`);
    return 2;
  }
}

