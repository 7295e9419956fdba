import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findSigner, NAMESPACE, sshVerify } from '../trust/sshsig.js';
import type { Trust } from '../trust/verify.js';

/** What `readybook signoff` signs (the file's bytes are the signed message). */
export interface SignOffPayload {
  type: 'readybook.signoff/v1';
  /** The checklist, relative to the repository root. */
  checklist: string;
  /** The item's text and its check span, as written when it was signed. */
  item: string;
  check: string | null;
  role: string;
  signedBy: string;
  signedAt: string;
  /** The checklist's evidence digest when it was signed (ChecklistEvaluation.evidenceDigest). */
  evidenceDigest: string;
}

export interface StoredSignOff {
  file: string;
  payload?: SignOffPayload;
  text: string;
  signature?: string;
}

/** The folder of a checklist's sign-offs: `<evidenceDir>/signoffs/<checklist-id>/`. */
export function signOffDir(evidenceDir: string, checklistId: string): string {
  return join(evidenceDir, 'signoffs', checklistId);
}

export async function loadSignOffs(evidenceDir: string, checklistId: string): Promise<StoredSignOff[]> {
  const dir = signOffDir(evidenceDir, checklistId);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const out: StoredSignOff[] = [];
  for (const name of names) {
    const file = join(dir, name);
    const text = await readFile(file, 'utf8');
    let payload: SignOffPayload | undefined;
    try {
      const parsed = JSON.parse(text) as SignOffPayload;
      if (parsed.type === 'readybook.signoff/v1') payload = parsed;
    } catch {
      // reported as unreadable below
    }
    const signature = await readFile(`${file}.sig`, 'utf8').catch(() => undefined);
    out.push({ file, text, ...(payload ? { payload } : {}), ...(signature ? { signature } : {}) });
  }
  return out;
}

/** Allowed clock skew for a sign-off's time. */
const SKEW_MS = 5 * 60_000;

export type SignOffVerdict = { ok: true; fingerprint: string; principal: string } | { ok: false; problem: string };

/**
 * A sign-off counts when its signature (namespace readybook-signoff) verifies, by a key the allowed
 * signers list for the role it signs as (the role is the principal), valid at its time; when it is not
 * dated in the future; and when it was signed over the checklist's current evidence digest.
 */
export function judgeSignOff(s: StoredSignOff, trust: Trust, options: { now: number; evidenceDigest: string }): SignOffVerdict {
  const p = s.payload;
  if (!p) return { ok: false, problem: `${s.file} is not a sign-off` };
  if (!s.signature) return { ok: false, problem: `the sign-off by ${p.signedBy} has no signature (${s.file}.sig)` };
  let key: ReturnType<typeof sshVerify>;
  try {
    key = sshVerify(s.signature, NAMESPACE.signoff, s.text);
  } catch (error) {
    return { ok: false, problem: `the sign-off by ${p.signedBy} does not verify: ${(error as Error).message}` };
  }
  const at = new Date(p.signedAt);
  if (Number.isNaN(at.getTime())) return { ok: false, problem: `the sign-off by ${p.signedBy} has no valid time` };
  if (at.getTime() > options.now + SKEW_MS) return { ok: false, problem: `the sign-off by ${p.signedBy} is dated ${p.signedAt}, in the future` };
  const signer = findSigner(trust.allowed, key, NAMESPACE.signoff, { principal: p.role, at });
  if (!signer) {
    return { ok: false, problem: `the sign-off by ${p.signedBy} is signed by ${key.fingerprint}, which ${trust.allowedFile ?? 'the allowed signers'} does not list for the role ${p.role}` };
  }
  if (p.evidenceDigest !== options.evidenceDigest) {
    return { ok: false, problem: `${p.signedBy} signed over older evidence (digest ${p.evidenceDigest.slice(0, 12)}, now ${options.evidenceDigest.slice(0, 12)}): the evidence changed since, so it must be signed again` };
  }
  return { ok: true, fingerprint: key.fingerprint, principal: signer.principals.join(',') };
}
