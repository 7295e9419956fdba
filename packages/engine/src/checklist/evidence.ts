import { ReadybookError } from '../errors.js';
import { storeConfig } from '../store/config.js';
import { storeTimeoutMs } from '../store/client.js';
import { fetchStoreRunsOf } from '../store/read.js';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseReport, readEvidenceRuns as readEvidence, readHomeRuns as readHome, type RunRead } from '../record/read.js';
import { SEAL_FILE, SEAL_SIG_FILE } from '../trust/seal.js';
import { loadTrustFrom } from '../trust/keys.js';
import { loadOrCreateSigningKey, NAMESPACE, sshSign } from '../trust/sshsig.js';
import type { StepHash } from '../runbook/steps-hash.js';
import type { RunSource } from './types.js';
import { type EvidenceEnvelope, type Trust, type Verification, verifyEvidenceFile, verifyRunDir } from '../trust/verify.js';

/** A finished or unfinished run of a runbook, read from a report or a journal. */
export interface RunRecord {
  runId: string;
  runbookId: string;
  /** `passed`, `failed`, `rolled-back`, `rollback-failed`, `interrupted`, or `unfinished` for a journal without run.end. */
  status: string;
  /** When the run ended, or started when it never ended (ISO). */
  time: string;
  outputs: Record<string, string>;
  source: RunSource;
  /** The runbook as it ran: path relative to its repository, and step hashes (absent in runs of older readybooks). */
  repoPath?: string;
  stepHashes?: StepHash[];
  commit?: string;
  /** True when the journal chain, seal, signature (by a trusted key) and report all verify. */
  verified: boolean;
  /** Why it does not verify. */
  problem?: string;
  /** The sealed head of the journal (sha256 of its last event). */
  head?: string;
  /** The key that signed it (fingerprint) and who that is in the allowed signers, or `this home`. */
  signer?: string;
  /** The file read, for messages: `evidence/runs/…` or the run folder. */
  file: string;
}

export interface EvidenceLocations {
  /** $READYBOOK_HOME: runs live in `<home>/runs/<run-id>/`. */
  home: string;
  /** The committed evidence folder: `<evidenceDir>/runs/<runbook-id>/<run-id>.json`. */
  evidenceDir: string;
  /** Whom to trust; without it, nothing verifies (every run is refused). */
  trust?: Trust;
  /** READYBOOK_STORE, when set here (default: process.env), adds the store's runs (ADR 0024). */
  env?: NodeJS.ProcessEnv;
}


/** How many of the store's newest finished runs `check` reads (and verifies) at most. */
const STORE_RUNS_LIMIT = 200;

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Every run the checklist can cite, newest first, each verified (chain, seal, signature, report). A run
 * found both in $READYBOOK_HOME and in evidence/ counts once: the copy that verifies, the local one if both
 * do. Unreadable files are skipped and named in `warnings`; missing folders are no runs. `runbooks` limits
 * the (costly) verification to the runbooks a checklist names.
 */
export async function loadRuns(where: EvidenceLocations, runbooks?: ReadonlySet<string>): Promise<{ runs: RunRecord[]; warnings: string[] }> {
  const warnings: string[] = [];
  const byId = new Map<string, RunRecord>();
  const trust: Trust = where.trust ?? loadTrustFrom(where.evidenceDir, where.home);
  for (const run of await readEvidenceRuns(where.evidenceDir, trust, warnings, runbooks)) byId.set(run.runId, run);
  for (const run of await readHomeRuns(where.home, trust, warnings, runbooks)) {
    const other = byId.get(run.runId);
    if (!other || run.verified || !other.verified) byId.set(run.runId, run);
  }
  // With a store, runs made on other machines count too, verified from the store's copy like any other.
  const config = storeConfig(where.env ?? process.env);
  if (config) {
    try {
      const ids = await fetchStoreRunsOf(config, where.home, { timeoutMs: storeTimeoutMs(where.env ?? process.env), ...(runbooks ? { runbooks } : {}), skip: new Set(byId.keys()), limit: STORE_RUNS_LIMIT });
      const wanted = new Set(ids);
      for (const run of await readHomeRuns(join(where.home, 'store'), trust, warnings, runbooks, 'store')) {
        if (!wanted.has(run.runId)) continue;
        const other = byId.get(run.runId);
        if (!other || (run.verified && !other.verified)) byId.set(run.runId, run);
      }
    } catch (error) {
      if (!(error instanceof ReadybookError) || error.code !== 'RB053') throw error;
      warnings.push(`${error.message}: only this home's runs and committed evidence count`);
    }
  }
  const runs = [...byId.values()].sort((a, b) => b.time.localeCompare(a.time));
  return { runs, warnings };
}

/** A run as the evaluator counts it, from the one reader of run records (record/read.ts). */
function toRecord(run: RunRead, source: RunRecord['source']): RunRecord {
  return { runId: run.runId, runbookId: run.runbookId, status: run.status, time: run.endedAt ?? run.startedAt, outputs: run.outputs, source, verified: false, file: run.file };
}

async function readHomeRuns(home: string, trust: Trust, warnings: string[], runbooks?: ReadonlySet<string>, source: 'journal' | 'store' = 'journal'): Promise<RunRecord[]> {
  const read = await readHome(home, runbooks ? { runbooks } : {});
  warnings.push(...read.warnings);
  return read.runs.map((run) => {
    const record = toRecord(run, source);
    if (record.status === 'unfinished') record.problem = 'the run has not ended';
    else applyVerification(record, verifyRunDir(run.file, run.runId, trust));
    return record;
  });
}

async function readEvidenceRuns(evidenceDir: string, trust: Trust, warnings: string[], runbooks?: ReadonlySet<string>): Promise<RunRecord[]> {
  const read = await readEvidence(evidenceDir, runbooks ? { runbooks } : {});
  warnings.push(...read.problems.map((p) => `${p.file}: ${p.problem}`));
  return read.runs.map((run) => {
    const record = toRecord(run, 'evidence');
    applyVerification(record, verifyEvidenceFile(run.file, trust));
    return record;
  });
}

/** Identity and outputs come from the verified journal, never from fields a reader could edit alone. */
function applyVerification(record: RunRecord, result: Verification): void {
  record.verified = result.ok;
  if (!result.ok) record.problem = result.problems[0];
  if (result.signer) record.signer = `${result.signer.fingerprint}${result.signer.as ? ` (${result.signer.as})` : ''}`;
  if (result.seal) record.head = result.seal.head;
  const start = result.events?.find((e) => e.type === 'run.start');
  if (start && start.type === 'run.start') {
    if (start.runbook.repoPath) record.repoPath = start.runbook.repoPath;
    if (start.runbook.stepHashes) record.stepHashes = start.runbook.stepHashes;
    if (start.runbook.commit) record.commit = start.runbook.commit;
  }
}

/**
 * `readybook evidence add <run-id>`: publishes a finished run as `<evidenceDir>/runs/<runbook-id>/<run-id>.json`:
 * its report.json (masked by the engine when written) with the run's journal, seal and seal signature
 * embedded, and `<run-id>.json.sig`, an SSHSIG signature of the file (namespace readybook-evidence) by this
 * home's key or READYBOOK_SIGNING_KEY. The run must verify first. Throws a ReadybookError (RB074, or RB070 when the run does not verify).
 */
export async function publishEvidence(runId: string, where: EvidenceLocations & { env?: NodeJS.ProcessEnv; runDir?: string }): Promise<{ path: string; runbookId: string; status: string; signer: string }> {
  if (!SAFE_ID.test(runId)) throw new ReadybookError('RB074', `\`${runId}\` is not a run id`, { hint: 'List run ids with `readybook runs`.' });
  // The folder the caller located (a home's run, or the store's copy of one made elsewhere), else this home's.
  const dir = where.runDir ?? join(where.home, 'runs', runId);
  const text = await readText(join(dir, 'report.json'));
  if (text === undefined) {
    const exists = (await listDir(dir)).length > 0;
    throw exists
      ? new ReadybookError('RB074', `run ${runId} has no report.json: it is still running or was killed`, { hint: 'Only finished runs can be published; resume it with `readybook resume`.' })
      : new ReadybookError('RB074', `no run ${runId} in ${dirname(dir)}`, { hint: 'List run ids with `readybook runs`, and check READYBOOK_HOME.' });
  }
  let report: Record<string, unknown>;
  try {
    report = JSON.parse(text);
  } catch {
    throw new ReadybookError('RB074', `${join(dir, 'report.json')} is not valid JSON`);
  }
  const parsed = parseReport(report);
  if ('problem' in parsed) throw new ReadybookError('RB074', `${join(dir, 'report.json')} is ${parsed.problem}`);
  if (parsed.report.runId !== runId || !SAFE_ID.test(parsed.report.runbook.id)) throw new ReadybookError('RB074', `${join(dir, 'report.json')} is not a report of run ${runId}`);
  const record = { runbookId: parsed.report.runbook.id, status: parsed.report.status };
  const verification = verifyRunDir(dir, runId, where.trust ?? loadTrustFrom(where.evidenceDir, where.home, where.env));
  if (!verification.ok) {
    throw new ReadybookError('RB070', `run ${runId} does not verify, so it cannot be published: ${verification.problems.join('; ')}`, { hint: `See \`readybook verify ${runId}\`.` });
  }
  const journal = (await readText(join(dir, 'journal.jsonl')))!.split('\n').filter((line) => line.trim() !== '');
  const seal = JSON.parse((await readText(join(dir, SEAL_FILE)))!);
  const sealSignature = (await readText(join(dir, SEAL_SIG_FILE)))!;
  let key: ReturnType<typeof loadOrCreateSigningKey>;
  try {
    key = loadOrCreateSigningKey(where.home, where.env);
  } catch (error) {
    throw new ReadybookError('RB074', `cannot sign the evidence: ${(error as Error).message}`, { hint: 'READYBOOK_SIGNING_KEY must name an unencrypted Ed25519 key.' });
  }
  const envelope: EvidenceEnvelope = { evidence: { type: 'readybook.evidence/v1', addedAt: new Date().toISOString(), by: key.publicKey.fingerprint }, journal, seal, sealSignature };
  const body = `${JSON.stringify({ ...report, ...envelope }, null, 2)}\n`;
  const target = join(where.evidenceDir, 'runs', record.runbookId);
  await mkdir(target, { recursive: true });
  const path = join(target, `${runId}.json`);
  await writeFile(path, body);
  await writeFile(`${path}.sig`, sshSign(key, NAMESPACE.evidence, body));
  return { path, runbookId: record.runbookId, status: record.status, signer: key.publicKey.fingerprint };
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}
