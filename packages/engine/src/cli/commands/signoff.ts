import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { CommandContext } from '../main.js';
import { EXIT, ReadybookError } from '../../errors.js';
import { gitState, repoRootOf } from '../../record/repo.js';
import { findSigner, NAMESPACE, sshVerify } from '../../trust/sshsig.js';
import { loadTrust } from '../../trust/keys.js';

/**
 * `readybook signoff <checklist> <item> --role R`: signs a manual item with the approver's SSH key, by
 * `ssh-keygen -Y sign` (the same signatures as git's SSH commit signing, so the key may be in an agent or
 * passphrase-protected), over the item's text and the checklist's current evidence digest. Writes
 * `evidence/signoffs/<checklist-id>/<role>--<item>.json` and its `.sig`, to be committed.
 */
export default async function signoff({ args, cwd, env }: CommandContext): Promise<number> {
  const { evaluate, readChecklist, resolveChecklistPath } = await import('../../checklist/index.js');
  // An unknown or invalid checklist throws its own error (CL040, or its first diagnostic's code).
  const path = await resolveChecklistPath(String(args.checklist), cwd);
  const { checklist } = await readChecklist(path, repoRootOf(path));
  const root = repoRootOf(path);
  const home = env.READYBOOK_HOME && env.READYBOOK_HOME.trim() !== '' ? resolve(cwd, env.READYBOOK_HOME) : join(root, '.readybook');
  const evidenceDir = join(root, 'evidence');
  const items = checklist.sections.flatMap((s) => s.items);
  const wanted = String(args.item);
  const matches = /^\d+$/.test(wanted) ? items.filter((i) => i.line === Number(wanted)) : items.filter((i) => i.text.toLowerCase().includes(wanted.toLowerCase()));
  if (matches.length !== 1) {
    const manual = items.filter((i) => i.check.kind === 'manual').map((i) => `${i.line}: ${i.text}`);
    throw new ReadybookError('RB073', `${matches.length === 0 ? 'no item' : `${matches.length} items`} of ${checklist.file} match ${JSON.stringify(wanted)}`, { details: manual.slice(0, 20) });
  }
  const item = matches[0]!;
  if (item.check.kind !== 'manual') throw new ReadybookError('RB073', `item ${item.line} is a ${item.check.kind} check: its evidence decides it, not a sign-off`);
  const role = typeof args.role === 'string' ? args.role : item.check.role;
  if (!role) throw new ReadybookError('RB073', '`--role` is needed: the item names no role');
  if (item.check.role && item.check.role !== role) throw new ReadybookError('RB073', `item ${item.line} must be signed by ${item.check.role}, not ${role}`);
  const trust = loadTrust(root, home, env);
  const evaluation = await evaluate(checklist, { home, evidenceDir, trust, cwd: root, env, evidenceOnly: true });
  const git = (key: string) => {
    try {
      return execFileSync('git', ['-C', root, 'config', '--get', key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
    } catch {
      return undefined;
    }
  };
  const keyPath = typeof args.key === 'string' ? resolve(cwd, args.key) : (git('user.signingkey')?.replace(/^~(?=\/)/, homedir()) ?? join(homedir(), '.ssh', 'id_ed25519'));
  if (!existsSync(keyPath)) throw new ReadybookError('RB073', `no SSH key at ${keyPath}`, { hint: 'Pass your key with `--key <path>` (ssh-keygen -t ed25519 makes one), and list its public key for the role in evidence/allowed_signers.' });
  const name = typeof args.name === 'string' ? args.name : (git('user.name') ?? userInfo().username);
  const payload = {
    type: 'readybook.signoff/v1',
    checklist: checklist.file,
    item: item.text,
    check: item.source ?? null,
    role,
    signedBy: name,
    signedAt: new Date().toISOString(),
    evidenceDigest: evaluation.evidenceDigest,
    ...(gitState(root) ? { commit: gitState(root)!.commit } : {}),
  };
  const slug = item.text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 48) || `line-${item.line}`;
  const dir = join(evidenceDir, 'signoffs', checklist.id);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${role}--${slug}.json`);
  const text = `${JSON.stringify(payload, null, 2)}\n`;
  writeFileSync(file, text);
  rmSync(`${file}.sig`, { force: true });
  const signed = spawnSync('ssh-keygen', ['-Y', 'sign', '-f', keyPath, '-n', NAMESPACE.signoff, file], { encoding: 'utf8', stdio: ['inherit', 'pipe', 'pipe'] });
  if (signed.error || signed.status !== 0 || !existsSync(`${file}.sig`)) {
    rmSync(file, { force: true });
    throw new ReadybookError('RB073', `ssh-keygen -Y sign failed: ${signed.error?.message ?? signed.stderr.trim()}`, { hint: 'Install OpenSSH (ssh-keygen 8.2 or later) and pass a key it can use with `--key`.' });
  }
  const key = sshVerify(readFileSync(`${file}.sig`, 'utf8'), NAMESPACE.signoff, text);
  const listed = findSigner(trust.allowed, key, NAMESPACE.signoff, { principal: role });
  const shown = (p: string) => p.slice(root.length + 1);
  if (args.json === true) {
    process.stdout.write(`${JSON.stringify({ file: shown(file), signature: shown(`${file}.sig`), ...payload, fingerprint: key.fingerprint, listed: Boolean(listed) }, null, 2)}\n`);
  } else {
    process.stdout.write(`signed item ${item.line} "${item.text}" as ${role} (${name}, ${key.fingerprint})\nwrote ${shown(file)} and ${shown(`${file}.sig`)}; commit them\n`);
    if (!listed) process.stderr.write(`note: ${key.fingerprint} is not listed for ${role} in ${trust.allowedFile}: check will not count this sign-off until a line like\n  ${role} namespaces="${NAMESPACE.signoff}" ${key.openssh}\nis added there\n`);
  }
  return EXIT.passed;
}
