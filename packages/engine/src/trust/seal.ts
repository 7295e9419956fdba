import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_FILE, lineHash } from '../record/journal.js';
import { loadOrCreateSigningKey, NAMESPACE, sha256, sshSign } from './sshsig.js';

export const SEAL_FILE = 'seal.json';
export const SEAL_SIG_FILE = 'seal.json.sig';

/** The signed head of a finished run: how many events, the last one's hash, and the reports' hashes. */
export interface Seal {
  type: 'readybook.seal/v1';
  runId: string;
  events: number;
  head: string;
  /** sha256 of report.json and report.md as written at run end. */
  report: string;
  reportMd: string;
  /** The signing key (OpenSSH form) and its fingerprint. */
  signer: string;
  fingerprint: string;
  sealedAt: string;
}

/**
 * Seals a run at its end: writes `seal.json` and `seal.json.sig`, an SSHSIG signature (namespace
 * `readybook-run`) that `ssh-keygen -Y verify` checks:
 *   ssh-keygen -Y verify -f allowed_signers -I <principal> -n readybook-run -s seal.json.sig < seal.json
 */
export function sealRun(dir: string, runId: string, home: string, env: NodeJS.ProcessEnv = process.env): Seal {
  const lines = readFileSync(join(dir, JOURNAL_FILE), 'utf8').split('\n').filter((line) => line.trim() !== '');
  const key = loadOrCreateSigningKey(home, env);
  const seal: Seal = {
    type: 'readybook.seal/v1',
    runId,
    events: lines.length,
    head: lineHash(lines.at(-1) ?? ''),
    report: sha256(readFileSync(join(dir, 'report.json'))),
    reportMd: sha256(readFileSync(join(dir, 'report.md'))),
    signer: key.publicKey.openssh,
    fingerprint: key.publicKey.fingerprint,
    sealedAt: new Date().toISOString(),
  };
  const text = `${JSON.stringify(seal, null, 2)}\n`;
  write(join(dir, SEAL_FILE), text);
  write(join(dir, SEAL_SIG_FILE), sshSign(key, NAMESPACE.run, text));
  return seal;
}

function write(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** sealRun that never fails the run: a run it cannot seal stays unsealed (and is not counted as evidence). */
export function trySealRun(dir: string, runId: string, home: string, env: NodeJS.ProcessEnv = process.env): void {
  try {
    sealRun(dir, runId, home, env);
  } catch (error) {
    process.stderr.write(`warning: run ${runId} was not signed (${(error as Error).message}); checklists will not count it\n`);
  }
}
