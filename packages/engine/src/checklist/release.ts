import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChecklistEvaluation } from './types.js';
import { version } from '../cli/main.js';
import { ReadybookError } from '../errors.js';
import { findSigner, loadOrCreateSigningKey, NAMESPACE, type PublicKey, rawSign, rawVerify } from '../trust/sshsig.js';
import { type Trust, type Verification, verifyEvidenceFile, verifyRunDir } from '../trust/verify.js';

/**
 * A go/no-go decision for one release: an in-toto Statement v1 whose predicate is modelled on SLSA's
 * verification summary, in a DSSE envelope signed with Ed25519 (the home's key or READYBOOK_SIGNING_KEY).
 * Self-contained: the verdict, the checklist's hash, every item's status with the run ids and sealed heads
 * of its evidence, the sign-offs, the git commit, the time and the expiry.
 */
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PREDICATE_TYPE = 'https://readybook.dev/go-no-go/v1';
export const PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: Array<{ keyid: string; sig: string }>;
}

/** DSSE's pre-authentication encoding: what is signed. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `), payload]);
}

export function releaseStatement(evaluation: ChecklistEvaluation, tag: string) {
  const items = evaluation.sections.flatMap((s) => s.items);
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: evaluation.checklist.file, digest: { sha256: evaluation.checklist.hash ?? '' } }],
    predicateType: PREDICATE_TYPE,
    predicate: {
      verifier: { id: 'https://github.com/readybook/readybook', version: { readybook: version() } },
      timeVerified: evaluation.evaluatedAt,
      expiresAt: evaluation.expiresAt,
      release: tag,
      resourceUri: `release:${tag}`,
      policy: { uri: evaluation.checklist.file, digest: { sha256: evaluation.checklist.hash ?? '' } },
      gate: evaluation.checklist.gate,
      verificationResult: evaluation.verdict === 'GO' ? 'PASSED' : 'FAILED',
      verdict: evaluation.verdict,
      ...(evaluation.commit ? { gitCommit: evaluation.commit } : {}),
      evidenceDigest: evaluation.evidenceDigest,
      requiredCompletion: evaluation.requiredCompletion,
      counts: evaluation.counts,
      inputAttestations: items
        .filter((i) => i.evidence)
        .map((i) => ({ uri: i.evidence!.file ?? i.evidence!.runId, runId: i.evidence!.runId, digest: { sha256: i.evidence!.head ?? '' } })),
      items: items.map((i) => ({
        section: i.section,
        line: i.line,
        text: i.text,
        check: i.check,
        required: i.required,
        status: i.status,
        actual: i.actual,
        ...(i.evidence
          ? { evidence: { runbook: i.evidence.runbook, runId: i.evidence.runId, repoPath: i.evidence.repoPath, head: i.evidence.head, commit: i.evidence.commit, endedAt: i.evidence.endedAt, expiresAt: i.evidence.expiresAt, signer: i.evidence.signer } }
          : {}),
        ...(i.signoff ? { signoff: i.signoff } : {}),
      })),
      blocking: evaluation.blocking,
      refused: evaluation.refused,
    },
  };
}

/** Writes `<evidenceDir>/releases/<checklist-id>/<tag>.intoto.json`; returns its path. */
export function writeRelease(evaluation: ChecklistEvaluation, options: { tag: string; evidenceDir: string; home: string; env?: NodeJS.ProcessEnv; root: string }): string {
  let key: ReturnType<typeof loadOrCreateSigningKey>;
  try {
    key = loadOrCreateSigningKey(options.home, options.env);
  } catch (error) {
    throw new ReadybookError('RB072', `cannot sign the release record: ${(error as Error).message}`);
  }
  const payload = Buffer.from(JSON.stringify(releaseStatement(evaluation, options.tag)));
  const envelope: DsseEnvelope = {
    payloadType: PAYLOAD_TYPE,
    payload: payload.toString('base64'),
    signatures: [{ keyid: key.publicKey.fingerprint, sig: rawSign(key, pae(PAYLOAD_TYPE, payload)).toString('base64') }],
  };
  const dir = join(options.evidenceDir, 'releases', evaluation.checklist.id);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${options.tag}.intoto.json`);
  writeFileSync(path, `${JSON.stringify(envelope, null, 2)}\n`);
  return path;
}

/** Verifies a release record: envelope, signature by a trusted key (allowed signers, namespace readybook-release, or this home), statement shape, expiry. */
export function verifyRelease(path: string, trust: Trust, options: { now?: Date; root?: string } = {}): Verification {
  const now = options.now ?? new Date();
  const checks: Verification['checks'] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  let envelope: DsseEnvelope;
  try {
    envelope = JSON.parse(readFileSync(path, 'utf8')) as DsseEnvelope;
  } catch {
    add('envelope', false, `${path} is not valid JSON`);
    return done(path, checks);
  }
  if (envelope.payloadType !== PAYLOAD_TYPE || typeof envelope.payload !== 'string' || !Array.isArray(envelope.signatures)) {
    add('envelope', false, `not a DSSE envelope of an in-toto statement (payloadType ${PAYLOAD_TYPE})`);
    return done(path, checks);
  }
  const payload = Buffer.from(envelope.payload, 'base64');
  const candidates: Array<{ key: PublicKey; as: string }> = [
    ...trust.allowed.filter((s) => findSigner([s], s.key, NAMESPACE.release)).map((s) => ({ key: s.key, as: s.principals.join(',') })),
    ...(trust.homeKeys ?? []).map((key) => ({ key, as: 'this home' })),
  ];
  let signer: { key: PublicKey; as: string } | undefined;
  const keyids: string[] = [];
  for (const sig of envelope.signatures) {
    keyids.push(String(sig.keyid));
    const match = candidates.find((c) => c.key.fingerprint === sig.keyid);
    if (match && rawVerify(match.key, pae(envelope.payloadType, payload), Buffer.from(String(sig.sig), 'base64'))) signer = match;
    else if (match) {
      add('signature', false, `the signature by ${sig.keyid} does not match the statement: the record was changed after it was signed`);
      return done(path, checks);
    }
  }
  if (!signer) {
    add('signature', false, `signed by ${keyids.join(', ') || 'no key'}, which is neither this home's key nor listed for readybook-release in ${trust.allowedFile ?? 'the allowed signers'}`);
    return done(path, checks);
  }
  add('signature', true, `signed by ${signer.key.fingerprint} (${signer.as})`);
  let statement: { _type?: string; predicateType?: string; subject?: unknown; predicate?: { verdict?: string; release?: string; expiresAt?: string; timeVerified?: string; gitCommit?: string; items?: unknown[] } };
  try {
    statement = JSON.parse(payload.toString('utf8'));
  } catch {
    add('statement', false, 'the payload is not JSON');
    return done(path, checks);
  }
  const p = statement.predicate;
  if (statement._type !== STATEMENT_TYPE || statement.predicateType !== PREDICATE_TYPE || !p) {
    add('statement', false, `not a ${PREDICATE_TYPE} statement`);
    return done(path, checks);
  }
  add('statement', true, `${p.verdict} for release ${p.release} at ${p.timeVerified}${p.gitCommit ? `, commit ${p.gitCommit.slice(0, 12)}` : ''}, ${p.items?.length ?? 0} items`);
  if (options.root) checkEvidence(p.items ?? [], options.root, trust, add);
  const expires = Date.parse(String(p.expiresAt));
  if (!Number.isFinite(expires) || expires <= now.getTime()) add('expiry', false, `the decision expired at ${p.expiresAt}: its evidence no longer supports a release; run the check again`);
  else add('expiry', true, `valid until ${p.expiresAt}`);
  return done(path, checks, { fingerprint: signer.key.fingerprint, trusted: true, as: signer.as });
}

/**
 * The runs the decision cites, where this checkout has them: each must still verify with the sealed head the
 * record names. Local runs of another machine are not here; that is said, not counted as a failure.
 */
function checkEvidence(items: unknown[], root: string, trust: Trust, add: (name: string, ok: boolean, detail: string) => void): void {
  const cited = new Map<string, { file?: string; head?: string }>();
  for (const item of items as Array<{ evidence?: { runId?: string; head?: string } }>) {
    if (item.evidence?.runId) cited.set(item.evidence.runId, { ...(item.evidence.head ? { head: item.evidence.head } : {}) });
  }
  if (cited.size === 0) return;
  const problems: string[] = [];
  let found = 0;
  for (const [runId, { head }] of cited) {
    const runbook = /^\d{8}T\d{6}Z-(.+)-[0-9a-f]+$/.exec(runId)?.[1] ?? '';
    const committed = join(root, 'evidence', 'runs', runbook, `${runId}.json`);
    const local = join(root, '.readybook', 'runs', runId);
    const result = existsSync(committed) ? verifyEvidenceFile(committed, trust) : existsSync(local) ? verifyRunDir(local, runId, trust) : undefined;
    if (!result) continue;
    found += 1;
    if (!result.ok) problems.push(`${runId} no longer verifies: ${result.problems[0]}`);
    else if (head && result.seal?.head !== head) problems.push(`${runId} is not the run the decision used (its sealed head is ${result.seal?.head?.slice(0, 12)}, the record says ${head.slice(0, 12)})`);
  }
  if (problems.length > 0) add('evidence', false, problems.join('; '));
  else add('evidence', true, `${found} of ${cited.size} cited runs found here, each verified with the sealed head the record names${found < cited.size ? '; the others are local runs of the machine that decided' : ''}`);
}

function done(subject: string, checks: Verification['checks'], signer?: Verification['signer']): Verification {
  const problems = checks.filter((c) => !c.ok).map((c) => c.detail);
  return { kind: 'release', subject, ok: problems.length === 0, checks, problems, ...(signer ? { signer } : {}) };
}
