import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent } from '../record/events.js';
import { JOURNAL_FILE, lineHash } from '../record/journal.js';
import { buildReport, type Report } from '../record/report.js';
import { SEAL_FILE, SEAL_SIG_FILE, type Seal } from './seal.js';
import { type AllowedSigner, findSigner, NAMESPACE, parsePublicKey, type PublicKey, sha256, SignatureError, sshVerify } from './sshsig.js';

/** Whom a verification trusts: the repository's allowed signers, and (for local runs) this home's own key. */
export interface Trust {
  allowed: readonly AllowedSigner[];
  /** Where the allowed signers came from, to name it in messages. */
  allowedFile?: string;
  /** This machine's keys: the one READYBOOK_SIGNING_KEY names and the home's own (runs it sealed count). */
  homeKeys?: PublicKey[];
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Verification {
  kind: 'run' | 'evidence' | 'release';
  subject: string;
  ok: boolean;
  checks: Check[];
  /** The failed checks' details, in order. */
  problems: string[];
  /** Who signed it, when the signature itself is valid. */
  signer?: { fingerprint: string; trusted: boolean; as?: string };
  /** The events and report, when they could be read (for callers that use the run as evidence). */
  events?: RunEvent[];
  report?: Report;
  seal?: Seal;
}

class Checks {
  readonly list: Check[] = [];
  add(name: string, ok: boolean, detail: string): boolean {
    this.list.push({ name, ok, detail });
    return ok;
  }
}

/** Checks a journal's hash chain line by line; returns the events it could parse. */
export function checkChain(lines: readonly string[], checks: Checks, label = 'journal'): RunEvent[] {
  const events: RunEvent[] = [];
  if (lines.length === 0) {
    checks.add('chain', false, `the ${label} is empty`);
    return events;
  }
  let broken: string | undefined;
  let legacy = false;
  lines.forEach((line, i) => {
    let event: RunEvent & { seq?: number; prev?: string };
    try {
      event = JSON.parse(line);
    } catch {
      broken ??= i === lines.length - 1 ? `line ${i + 1} of the ${label} is cut short (a torn write, or cut by hand)` : `line ${i + 1} of the ${label} is not valid JSON`;
      return;
    }
    events.push(event);
    if (event.seq === undefined && i === 0) legacy = true;
    if (legacy) return;
    if (event.seq !== i) {
      broken ??= `line ${i + 1} of the ${label} (${event.type}) says it is event ${String(event.seq)}: events before it were removed, added or reordered`;
      return;
    }
    if (i === 0 && event.prev !== undefined) broken ??= `line 1 of the ${label} points to an earlier event: the start of the ${label} was cut off`;
    if (i > 0 && event.prev !== lineHash(lines[i - 1]!)) {
      broken ??= `line ${i} of the ${label} (${events[i - 1]?.type ?? 'unreadable'}) was changed after it was written: line ${i + 1} records a different hash for it`;
    }
  });
  if (legacy) checks.add('chain', false, `the ${label} has no hash chain (written by a readybook without tamper evidence): it cannot be verified`);
  else if (broken) checks.add('chain', false, broken);
  else checks.add('chain', true, `${lines.length} events, hash chain intact`);
  return events;
}

/** Checks a seal (signature, trust, length, head) against the journal lines. */
function checkSeal(sealText: string | undefined, signature: string | undefined, lines: readonly string[], trust: Trust, checks: Checks, result: Partial<Verification>, local: boolean): Seal | undefined {
  if (sealText === undefined || signature === undefined) {
    checks.add('signature', false, sealText === undefined ? 'the run is not sealed (no seal.json): it has not ended, or was recorded by a readybook that did not sign runs' : 'the seal has no signature (seal.json.sig is missing)');
    return undefined;
  }
  let seal: Seal;
  try {
    seal = JSON.parse(sealText) as Seal;
  } catch {
    checks.add('signature', false, 'seal.json is not valid JSON');
    return undefined;
  }
  let key: PublicKey;
  try {
    key = sshVerify(signature, NAMESPACE.run, sealText);
  } catch (error) {
    checks.add('signature', false, `the seal's signature does not verify: ${(error as Error).message}`);
    return undefined;
  }
  const listed = findSigner(trust.allowed, key, NAMESPACE.run);
  const home = local && trust.homeKeys?.some((k) => k.raw.equals(key.raw));
  const trusted = Boolean(listed) || Boolean(home);
  result.signer = { fingerprint: key.fingerprint, trusted, ...(listed ? { as: listed.principals.join(',') } : home ? { as: 'this home' } : {}) };
  if (!trusted) {
    checks.add('signature', false, `the seal is signed by ${key.fingerprint}, which is neither this home's key nor listed in ${trust.allowedFile ?? 'the allowed signers'}`);
  } else {
    checks.add('signature', true, `sealed by ${key.fingerprint} (${listed ? `${listed.principals.join(',')} in ${trust.allowedFile ?? 'allowed signers'}` : "this home's key"})`);
  }
  if (seal.events > lines.length) {
    checks.add('length', false, `the journal has ${lines.length} events but the seal says ${seal.events}: it was truncated (events ${lines.length + 1}–${seal.events} are missing)`);
  } else if (seal.events < lines.length) {
    checks.add('length', false, `the journal has ${lines.length} events but the seal says ${seal.events}: ${lines.length - seal.events} were added after the run was sealed`);
  } else if (seal.head !== lineHash(lines.at(-1) ?? '')) {
    checks.add('length', false, `the last event (line ${lines.length}) is not the one that was sealed: it was changed`);
  } else {
    checks.add('length', true, `${seal.events} events, head ${seal.head.slice(0, 12)} as sealed`);
  }
  return seal;
}

/** The journal's facts against the report's: a report edited consistently with its own hash still disagrees with the journal. */
function checkReport(events: readonly RunEvent[], report: Report | undefined, reportHash: string | undefined, seal: Seal | undefined, checks: Checks): void {
  if (!report) {
    checks.add('report', false, 'there is no report');
    return;
  }
  if (seal && reportHash !== undefined && reportHash !== seal.report) {
    checks.add('report', false, 'the report was changed after the run was sealed (its hash is not the sealed one)');
    return;
  }
  let rebuilt: Report;
  try {
    rebuilt = buildReport(events);
  } catch (error) {
    checks.add('report', false, `the journal cannot be read as a run: ${(error as Error).message}`);
    return;
  }
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const fields = ['runId', 'status', 'exitCode', 'startedAt', 'endedAt', 'params', 'outputs', 'runbook'] as const;
  for (const field of fields) {
    if (!same(rebuilt[field], report[field])) {
      checks.add('report', false, `the report's ${field} (${JSON.stringify(report[field]).slice(0, 80)}) is not what the journal records (${JSON.stringify(rebuilt[field]).slice(0, 80)})`);
      return;
    }
  }
  for (const step of rebuilt.steps) {
    const other = report.steps.find((s) => s.index === step.index);
    if (!other || other.status !== step.status || other.exitCode !== step.exitCode) {
      checks.add('report', false, `step ${step.index} of the report does not match the journal`);
      return;
    }
  }
  checks.add('report', true, `report matches the journal (${report.status}${Object.keys(report.outputs).length ? `, ${Object.entries(report.outputs).map(([k, v]) => `${k}=${v}`).join(' ').slice(0, 120)}` : ''})`);
}

function finish(kind: Verification['kind'], subject: string, checks: Checks, extra: Partial<Verification>): Verification {
  const problems = checks.list.filter((c) => !c.ok).map((c) => c.detail);
  return { kind, subject, ok: problems.length === 0, checks: checks.list, problems, ...extra };
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const splitLines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

/** Verifies a run in `$READYBOOK_HOME/runs/<run-id>/`: chain, seal signature and trust, truncation, report. */
export function verifyRunDir(dir: string, runId: string, trust: Trust): Verification {
  const checks = new Checks();
  const extra: Partial<Verification> = {};
  const journal = readOptional(join(dir, JOURNAL_FILE));
  if (journal === undefined) {
    checks.add('chain', false, `no ${JOURNAL_FILE} in ${dir}`);
    return finish('run', runId, checks, extra);
  }
  const lines = splitLines(journal);
  const events = checkChain(lines, checks);
  const seal = checkSeal(readOptional(join(dir, SEAL_FILE)), readOptional(join(dir, SEAL_SIG_FILE)), lines, trust, checks, extra, true);
  if (seal && seal.runId !== runId) checks.add('run id', false, `the seal is of run ${seal.runId}, not ${runId}`);
  const reportText = readOptional(join(dir, 'report.json'));
  let report: Report | undefined;
  try {
    report = reportText === undefined ? undefined : (JSON.parse(reportText) as Report);
  } catch {
    checks.add('report', false, 'report.json is not valid JSON');
  }
  if (reportText === undefined || report) checkReport(events, report, reportText === undefined ? undefined : sha256(reportText), seal, checks);
  return finish('run', runId, checks, { ...extra, events, ...(report ? { report } : {}), ...(seal ? { seal } : {}) });
}

/** The extra fields of a committed evidence file, beside the report's own. */
export interface EvidenceEnvelope {
  evidence: { type: 'readybook.evidence/v1'; addedAt: string; by: string };
  journal: string[];
  seal: Seal;
  sealSignature: string;
}

const ENVELOPE_KEYS = ['evidence', 'journal', 'seal', 'sealSignature'] as const;

/** The report.json text an evidence file was made from (report.json is `JSON.stringify(report, null, 2)`). */
export function reportTextOf(file: Record<string, unknown>): string {
  const report = Object.fromEntries(Object.entries(file).filter(([key]) => !(ENVELOPE_KEYS as readonly string[]).includes(key)));
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * Verifies a committed evidence file `<run-id>.json` and its signature `<run-id>.json.sig`: the signature
 * (namespace readybook-evidence) by a key in the allowed signers, then the run inside it as for a local run.
 */
export function verifyEvidenceFile(path: string, trust: Trust, options: { acceptHomeKey?: boolean } = {}): Verification {
  const checks = new Checks();
  const extra: Partial<Verification> = {};
  const text = readOptional(path);
  if (text === undefined) {
    checks.add('file', false, `cannot read ${path}`);
    return finish('evidence', path, checks, extra);
  }
  const signature = readOptional(`${path}.sig`);
  if (signature === undefined) {
    checks.add('signature', false, `no signature ${path}.sig: publish evidence with \`readybook evidence add\`, which signs it`);
  } else {
    try {
      const key = sshVerify(signature, NAMESPACE.evidence, text);
      const listed = findSigner(trust.allowed, key, NAMESPACE.evidence);
      const home = options.acceptHomeKey && trust.homeKeys?.some((k) => k.raw.equals(key.raw));
      extra.signer = { fingerprint: key.fingerprint, trusted: Boolean(listed || home), ...(listed ? { as: listed.principals.join(',') } : home ? { as: 'this home' } : {}) };
      if (listed) checks.add('signature', true, `signed by ${listed.principals.join(',')} (${key.fingerprint}), listed in ${trust.allowedFile ?? 'the allowed signers'}`);
      else checks.add('signature', false, `signed by ${key.fingerprint}, which is not listed in ${trust.allowedFile ?? 'the allowed signers'}${home ? " (it is this home's key: add its .pub to the allowed signers to trust it)" : ''}`);
    } catch (error) {
      checks.add('signature', false, error instanceof SignatureError ? `the evidence signature does not verify: ${error.message}` : (error as Error).message);
    }
  }
  let file: Record<string, unknown> & Partial<EvidenceEnvelope>;
  try {
    file = JSON.parse(text);
  } catch {
    checks.add('file', false, `${path} is not valid JSON`);
    return finish('evidence', path, checks, extra);
  }
  if (!Array.isArray(file.journal) || !file.seal || typeof file.sealSignature !== 'string') {
    checks.add('chain', false, 'the file has no journal and seal: it was published by a readybook that did not sign evidence; publish the run again');
    return finish('evidence', path, checks, extra);
  }
  const lines = file.journal.map(String);
  const events = checkChain(lines, checks, 'embedded journal');
  const sealText = `${JSON.stringify(file.seal, null, 2)}\n`;
  const sealChecks = new Checks();
  const sealExtra: Partial<Verification> = {};
  // The run's own seal: made by the machine that ran it, whose key need not be listed; the evidence signature is what is trusted.
  const seal = checkSeal(sealText, file.sealSignature, lines, { allowed: [], homeKeys: [parseSealKey(file.seal)].filter((k): k is PublicKey => k !== undefined) }, sealChecks, sealExtra, true);
  for (const c of sealChecks.list) {
    checks.add(c.name === 'signature' ? 'run seal' : c.name, c.ok, c.name === 'signature' && c.ok ? `the run was sealed by ${sealExtra.signer?.fingerprint} when it ended` : c.detail);
  }
  const report = Object.fromEntries(Object.entries(file).filter(([key]) => !(ENVELOPE_KEYS as readonly string[]).includes(key))) as unknown as Report;
  checkReport(events, report, sha256(reportTextOf(file)), seal, checks);
  return finish('evidence', path, checks, { ...extra, events, report, ...(seal ? { seal } : {}) });
}

function parseSealKey(seal: Seal): PublicKey | undefined {
  try {
    return parsePublicKey(String(seal.signer));
  } catch {
    return undefined;
  }
}

export function isRunDir(dir: string): boolean {
  return existsSync(join(dir, JOURNAL_FILE));
}
