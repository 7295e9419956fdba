import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { homePublicKey, parseAllowedSigners } from './sshsig.js';
import type { Trust } from './verify.js';

/** The repository's list of trusted public keys (OpenSSH allowed_signers format), committed with the evidence. */
export const ALLOWED_SIGNERS = 'evidence/allowed_signers';

/** Whom `check` and `verify` trust: `<root>/evidence/allowed_signers`, and this home's own key for local runs. */
export function loadTrust(root: string, home: string, env: NodeJS.ProcessEnv = process.env): Trust & { problems: string[] } {
  return loadTrustFrom(join(root, 'evidence'), home, env);
}

/** The same, given the evidence folder (its `allowed_signers`). */
export function loadTrustFrom(evidenceDir: string, home: string, env: NodeJS.ProcessEnv = process.env): Trust & { problems: string[] } {
  let text = '';
  try {
    text = readFileSync(join(evidenceDir, 'allowed_signers'), 'utf8');
  } catch {
    // no list: nothing committed is trusted
  }
  const { signers, problems } = parseAllowedSigners(text);
  const homeKeys = [homePublicKey(home, env), homePublicKey(home, {})].filter((k): k is NonNullable<typeof k> => k !== undefined);
  return { allowed: signers, allowedFile: ALLOWED_SIGNERS, homeKeys, problems: problems.map((p) => `${ALLOWED_SIGNERS}: ${p}`) };
}
