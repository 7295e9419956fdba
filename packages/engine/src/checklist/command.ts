import { EXIT, ReadybookError } from '../errors.js';
import { storeConfig } from '../store/config.js';
import { storeTimeoutMs } from '../store/client.js';
import { sendEvaluation } from '../store/history.js';
import { hostName, operatorName } from '../run/context.js';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gitRoot } from '../record/home.js';
import { gitState, repoRootOf } from '../record/repo.js';
import { sha256 } from '../trust/sshsig.js';
import { loadTrust } from '../trust/keys.js';
import { formatDiagnostics } from '../diagnostics.js';
import { evaluate, InterruptedError, writeEvaluation } from './evaluate.js';
import { publishEvidence } from './evidence.js';
import { displayPath, readChecklist, resolveChecklistPath } from './load.js';
import { renderEvaluation, shouldColor } from './render.js';
import type { ChecklistEvaluation, Diagnostic } from './types.js';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CheckArgs {
  /** A path, or a name in `checklists/` (of the working directory or an ancestor) without `.md`. */
  checklist: string;
  /** Print the evaluation JSON only. */
  json: boolean;
  /** READYBOOK_HOME, already resolved by the CLI; default `<repository root>/.readybook`. */
  home?: string;
  cwd: string;
  /** Also write `<evidenceDir>/evaluations/<checklist-id>.json`. */
  write: boolean;
  /** Also write a signed decision record for this release tag (release.ts). */
  release?: string;
  /** Defaults to `<repository root>/evidence`. */
  evidenceDir?: string;
  env?: NodeJS.ProcessEnv;
  now?: Date;
  stdout?: Output;
  stderr?: Output;
  /** Stop signals to handle (default SIGINT and SIGTERM); tests pass an AbortSignal instead. */
  signal?: AbortSignal;
  /** Called with the evaluation once printed (the CLI writes its CI reports: JUnit, job summary). */
  onEvaluation?: (evaluation: ChecklistEvaluation, diagnostics: readonly Diagnostic[], root: string) => Promise<void>;
  /** Called when a stop signal ended the evaluation: there is no verdict. */
  onInterrupted?: (message: string) => Promise<void>;
}

/**
 * `readybook check <checklist>`: evaluates it, prints the table (or JSON) and returns 0 GO, 1 NO-GO or 130
 * interrupted; an invalid checklist throws a ReadybookError (exit 2), printed by the CLI like every error. Everything is relative to the checklist's repository root (repo.ts), never the working
 * directory: commands run there, runbooks and evidence/ are read there, the default home is there. Ctrl-C or
 * SIGTERM stops the running command's process group and returns 130 without writing anything.
 */
export async function runCheck(args: CheckArgs): Promise<number> {
  const stdout = args.stdout ?? process.stdout;
  const stderr = args.stderr ?? process.stderr;
  const env = args.env ?? process.env;
  const controller = new AbortController();
  let signalName: string | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    signalName = signal;
    controller.abort();
  };
  const external = args.signal;
  external?.addEventListener('abort', () => onSignal('SIGTERM'), { once: true });
  const handled: NodeJS.Signals[] = args.signal ? [] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of handled) process.on(signal, onSignal);
  try {
    const path = await resolveChecklistPath(args.checklist, args.cwd);
    const root = repoRootOf(path);
    const home = args.home ?? join(root, '.readybook');
    const evidenceDir = args.evidenceDir ? resolve(args.cwd, args.evidenceDir) : join(root, 'evidence');
    // Diagnostics name the file as the user sees it; the evaluation names it from the repository root.
    const { checklist, diagnostics } = await readChecklist(path, args.cwd, root);
    for (const line of formatDiagnostics(diagnostics)) stderr.write(`${line}\n`);
    checklist.file = displayPath(path, root);
    const trust = loadTrust(root, home, env);
    for (const problem of trust.problems) stderr.write(`warning: ${problem}\n`);
    const onItem = args.json
      ? undefined
      : (item: { check: { kind: string }; source?: string }) => {
          if (item.check.kind === 'command') stderr.write(`running ${item.source}\n`);
        };
    const git = gitState(root);
    const evaluation = await evaluate(checklist, {
      home,
      evidenceDir,
      trust,
      cwd: root,
      env,
      signal: controller.signal,
      checklistHash: sha256(readFileSync(path)),
      ...(git ? { commit: git.commit } : {}),
      ...(args.now ? { now: args.now } : {}),
      ...(onItem ? { onItem } : {}),
    });
    if (controller.signal.aborted) throw new InterruptedError();
    if (args.json) stdout.write(`${JSON.stringify(evaluation, null, 2)}\n`);
    else stdout.write(renderEvaluation(evaluation, { color: shouldColor(stdout) }));
    await args.onEvaluation?.(evaluation, diagnostics, root);
    if (args.write) {
      const written = await writeEvaluation(evaluation, evidenceDir);
      if (!args.json) stdout.write(`wrote ${displayPath(written, args.cwd)}\n`);
      // With a store the evaluation is recorded there too; a store that does not answer is a warning (the file is written).
      const store = storeConfig(env);
      if (store) {
        try {
          await sendEvaluation(store, evaluation, { host: hostName(), operator: operatorName(env), timeoutMs: storeTimeoutMs(env) });
        } catch (error) {
          if (!(error instanceof ReadybookError)) throw error;
          stderr.write(`warning ${error.code}: ${error.message}\n`);
        }
      }
    }
    if (args.release !== undefined) {
      const { writeRelease } = await import('./release.js');
      const written = writeRelease(evaluation, { tag: args.release, evidenceDir, home, env, root });
      if (!args.json) stdout.write(`wrote ${displayPath(written, args.cwd)} (signed decision record for ${args.release}: verify it with \`readybook verify ${displayPath(written, args.cwd)}\`)\n`);
    }
    return evaluation.verdict === 'GO' ? EXIT.passed : EXIT.failed;
  } catch (error) {
    if (error instanceof InterruptedError) {
      const message = `interrupted${signalName ? ` by ${signalName}` : ''}${error.during ? ` while running ${error.during}` : ''}: its process group was stopped; no verdict`;
      stderr.write(`${message}, nothing was written\n`);
      await args.onInterrupted?.(message);
      return EXIT.interrupted;
    }
    throw error;
  } finally {
    for (const signal of handled) process.off(signal, onSignal);
  }
}

export interface EvidenceAddArgs {
  runId: string;
  home: string;
  /** The run's folder, when the caller located it (the store's copy of a run made elsewhere); default `<home>/runs/<run-id>`. */
  runDir?: string;
  cwd: string;
  /** Defaults to `<repository root>/evidence`. */
  evidenceDir?: string;
  env?: NodeJS.ProcessEnv;
  stdout?: Output;
  stderr?: Output;
}

/** `readybook evidence add <run-id>`: returns 0 when the signed evidence was written; throws RB074 (exit 2) when there is no such finished run, RB070 (exit 1) when it does not verify. */
export async function runEvidenceAdd(args: EvidenceAddArgs): Promise<number> {
  const stdout = args.stdout ?? process.stdout;
  const stderr = args.stderr ?? process.stderr;
  const env = args.env ?? process.env;
  const root = gitRoot(args.cwd) ?? resolve(args.cwd);
  {
    const trust = loadTrust(root, args.home, env);
    const { path, status, signer } = await publishEvidence(args.runId, { home: args.home, evidenceDir: args.evidenceDir ? resolve(args.cwd, args.evidenceDir) : join(root, 'evidence'), trust, env, ...(args.runDir ? { runDir: args.runDir } : {}) });
    stdout.write(`wrote ${displayPath(path, args.cwd)} (${status}) and its signature .sig by ${signer}; commit both to keep the evidence\n`);
    if (!trust.allowed.some((s) => s.key.fingerprint === signer)) {
      stderr.write(`note: ${signer} is not listed in ${trust.allowedFile}: check will not count this evidence until its public key is added there\n`);
    }
    if (status !== 'passed') stderr.write(`note: run ${args.runId} ${status}: checks only count passing runs\n`);
    return EXIT.passed;
  }
}
