import { ReadybookError } from '../errors.js';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SEAL_FILE, SEAL_SIG_FILE } from '../trust/seal.js';
import { loadTrustFrom } from '../trust/keys.js';
import { loadOrCreateSigningKey, NAMESPACE, sshSign } from '../trust/sshsig.js';
import type { StepHash } from '../runbook/steps-hash.js';
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
  source: 'journal' | 'evidence';
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
}


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
  const runs = [...byId.values()].sort((a, b) => b.time.localeCompare(a.time));
  return { runs, warnings };
}

/** A run id names its runbook: `<time>-<runbook-id>-<hex>`. */
const runbookOfRunId = (runId: string) => /^\d{8}T\d{6}Z-(.+)-[0-9a-f]+$/.exec(runId)?.[1];

async function readHomeRuns(home: string, trust: Trust, warnings: string[], runbooks?: ReadonlySet<string>): Promise<RunRecord[]> {
  const runsDir = join(home, 'runs');
  const records: RunRecord[] = [];
  for (const runId of await listDir(runsDir)) {
    const named = runbookOfRunId(runId);
    if (runbooks && named && !runbooks.has(named)) continue;
    const dir = join(runsDir, runId);
    const report = await readJson(join(dir, 'report.json'), warnings);
    const record = report !== undefined ? fromReport(report, 'journal', dir) : fromJournal(await readText(join(dir, 'journal.jsonl')), dir);
    if (!record) {
      if (report !== undefined) warnings.push(`${join(dir, 'report.json')}: not a run report`);
      continue;
    }
    if (runbooks && !runbooks.has(record.runbookId)) continue;
    if (record.status === 'unfinished') {
      record.problem = 'the run has not ended';
    } else {
      applyVerification(record, verifyRunDir(dir, runId, trust));
    }
    records.push(record);
  }
  return records;
}

async function readEvidenceRuns(evidenceDir: string, trust: Trust, warnings: string[], runbooks?: ReadonlySet<string>): Promise<RunRecord[]> {
  const root = join(evidenceDir, 'runs');
  const records: RunRecord[] = [];
  for (const runbookId of await listDir(root)) {
    if (runbooks && !runbooks.has(runbookId)) continue;
    for (const name of await listDir(join(root, runbookId))) {
      if (!name.endsWith('.json')) continue;
      const path = join(root, runbookId, name);
      const report = await readJson(path, warnings);
      if (report === undefined) continue;
      const record = fromReport(report, 'evidence', path);
      if (!record) {
        warnings.push(`${path}: not a run report`);
        continue;
      }
      applyVerification(record, verifyEvidenceFile(path, trust));
      records.push(record);
    }
  }
  return records;
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

function fromReport(report: unknown, source: RunRecord['source'], file: string): RunRecord | undefined {
  const r = report as { runId?: unknown; runbook?: { id?: unknown }; status?: unknown; endedAt?: unknown; startedAt?: unknown; outputs?: unknown };
  const time = typeof r.endedAt === 'string' ? r.endedAt : r.startedAt;
  if (typeof r.runId !== 'string' || typeof r.runbook?.id !== 'string' || typeof r.status !== 'string' || typeof time !== 'string') return undefined;
  return { runId: r.runId, runbookId: r.runbook.id, status: r.status, time, outputs: stringMap(r.outputs), source, verified: false, file };
}

/** A run without report.json (killed, or still running): run.start names it, run.end (if any) settles it. */
function fromJournal(text: string | undefined, file: string): RunRecord | undefined {
  if (text === undefined) return undefined;
  let record: RunRecord | undefined;
  for (const line of text.split('\n')) {
    let event: { type?: string; runId?: string; time?: string; runbook?: { id?: string }; status?: string; outputs?: unknown };
    try {
      event = JSON.parse(line);
    } catch {
      continue; // a torn last line of a killed run
    }
    if (event.type === 'run.start' && typeof event.runId === 'string' && typeof event.runbook?.id === 'string' && typeof event.time === 'string') {
      record = { runId: event.runId, runbookId: event.runbook.id, status: 'unfinished', time: event.time, outputs: {}, source: 'journal', verified: false, file };
    } else if (event.type === 'run.end' && record && typeof event.status === 'string') {
      record.status = event.status;
      if (typeof event.time === 'string') record.time = event.time;
      record.outputs = stringMap(event.outputs);
    }
  }
  return record;
}

/**
 * `readybook evidence add <run-id>`: publishes a finished run as `<evidenceDir>/runs/<runbook-id>/<run-id>.json`:
 * its report.json (masked by the engine when written) with the run's journal, seal and seal signature
 * embedded, and `<run-id>.json.sig`, an SSHSIG signature of the file (namespace readybook-evidence) by this
 * home's key or READYBOOK_SIGNING_KEY. The run must verify first. Throws a ReadybookError (RB074, or RB070 when the run does not verify).
 */
export async function publishEvidence(runId: string, where: EvidenceLocations & { env?: NodeJS.ProcessEnv }): Promise<{ path: string; runbookId: string; status: string; signer: string }> {
  if (!SAFE_ID.test(runId)) throw new ReadybookError('RB074', `\`${runId}\` is not a run id`, { hint: 'List run ids with `readybook runs`.' });
  const dir = join(where.home, 'runs', runId);
  const text = await readText(join(dir, 'report.json'));
  if (text === undefined) {
    const exists = (await listDir(dir)).length > 0;
    throw exists
      ? new ReadybookError('RB074', `run ${runId} has no report.json: it is still running or was killed`, { hint: 'Only finished runs can be published; resume it with `readybook resume`.' })
      : new ReadybookError('RB074', `no run ${runId} in ${join(where.home, 'runs')}`, { hint: 'List run ids with `readybook runs`, and check READYBOOK_HOME.' });
  }
  let report: Record<string, unknown>;
  try {
    report = JSON.parse(text);
  } catch {
    throw new ReadybookError('RB074', `${join(dir, 'report.json')} is not valid JSON`);
  }
  const record = fromReport(report, 'evidence', dir);
  if (!record || record.runId !== runId || !SAFE_ID.test(record.runbookId)) throw new ReadybookError('RB074', `${join(dir, 'report.json')} is not a report of run ${runId}`);
  const verification = verifyRunDir(dir, runId, where.trust ?? loadTrustFrom(where.evidenceDir, where.home, where.env));
  if (!verification.ok) {
    throw new ReadybookError('RB070', `run ${runId} does not verify, so it cannot be published: ${verification.problems.join('; ')}`, { hint: `See \`readybook verify ${runId}\`.` });
  }
  const journal = (await readText(join(dir, 'journal.jsonl')))!.split('\n').filter((line) => line.trim() !== '');
  const seal = JSON.parse((await readText(join(dir, SEAL_FILE)))!);
  const sealSignature = (await readText(join(dir, SEAL_SIG_FILE)))!;
  let key;
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

function stringMap(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
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

async function readJson(path: string, warnings: string[]): Promise<unknown> {
  const text = await readText(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    warnings.push(`${path}: not valid JSON`);
    return undefined;
  }
}
