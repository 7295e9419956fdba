import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseRunbook } from '../runbook/parse.js';
import { findSigner, loadOrCreateSigningKey, NAMESPACE, parseAllowedSigners, readSigningKey, sshSign, sshVerify } from './sshsig.js';
import { stepChange, stepHashes } from '../runbook/steps-hash.js';

describe('SSHSIG signatures', () => {
  test('a key made on first use is private (0600) and signs what ssh-keygen -Y verify accepts; ssh-keygen signatures verify here', () => {
    const home = mkdtempSync(join(tmpdir(), 'readybook-sig-'));
    const key = loadOrCreateSigningKey(home, {});
    expect((execFileSync('stat', ['-c', '%a', join(home, 'keys', 'signing-key.pem')], { encoding: 'utf8' }) as string).trim()).toBe('600');
    const message = 'the head of a run\n';
    const signature = sshSign(key, NAMESPACE.run, message);
    const allowed = join(home, 'allowed');
    writeFileSync(allowed, `ci namespaces="readybook-run" ${key.publicKey.openssh}\n`);
    const sig = join(home, 'm.sig');
    writeFileSync(sig, signature);
    const ok = spawnSync('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', 'ci', '-n', 'readybook-run', '-s', sig], { input: message, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(key.publicKey.fingerprint);
    expect(sshVerify(signature, NAMESPACE.run, message).fingerprint).toBe(key.publicKey.fingerprint);
    expect(() => sshVerify(signature, NAMESPACE.run, 'another message\n')).toThrow(/does not match the content: it was changed after it was signed/);
    expect(() => sshVerify(signature, NAMESPACE.signoff, message)).toThrow(/namespace readybook-run, not readybook-signoff/);

    // The other way round: an OpenSSH key, ssh-keygen's signature; readybook reads the key file too.
    const ssh = join(home, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice', '-f', ssh]);
    const file = join(home, 'payload.json');
    writeFileSync(file, '{"x":1}\n');
    execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', ssh, '-n', NAMESPACE.signoff, file]);
    const theirs = sshVerify(readFileSync(`${file}.sig`, 'utf8'), NAMESPACE.signoff, readFileSync(file));
    expect(`${theirs.openssh}`).toBe(readFileSync(`${ssh}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' '));
    expect(readSigningKey(ssh).publicKey.fingerprint).toBe(theirs.fingerprint);
  });

  test('allowed_signers: principals, namespaces and validity are honoured', () => {
    const home = mkdtempSync(join(tmpdir(), 'readybook-sig-'));
    const key = loadOrCreateSigningKey(home, {}).publicKey;
    const { signers, problems } = parseAllowedSigners(
      [
        '# comment',
        `alice@example.com,security-lead namespaces="readybook-signoff" valid-after="20261201" ${key.openssh} alice`,
        `ci ${key.openssh}`,
        'bad-line ssh-rsa AAAAB3NzaC1yc2E=',
      ].join('\n'),
    );
    expect(problems).toEqual(['line 4: not an ssh-ed25519 public key: ssh-rsa AAAAB3NzaC1yc2E=']);
    expect(signers.map((s) => s.principals)).toEqual([['alice@example.com', 'security-lead'], ['ci']]);
    expect(findSigner(signers, key, NAMESPACE.signoff, { principal: 'security-lead', at: new Date('2026-12-02') })?.line).toBe(2);
    expect(findSigner(signers.slice(0, 1), key, NAMESPACE.signoff, { principal: 'security-lead', at: new Date('2026-11-30') })).toBeUndefined();
    expect(findSigner(signers.slice(0, 1), key, NAMESPACE.evidence)).toBeUndefined();
    expect(findSigner(signers, key, NAMESPACE.evidence)?.principals).toEqual(['ci']);
  });
});

describe('step hashes', () => {
  const F = '```';
  const doc = (prose: string, code: string, extra = '') =>
    `---\ntitle: T\nparams:\n  TARGET: { type: string, default: a${extra} }\n  OTHER: { type: string, default: x }\n---\n\n## One\n${prose}\n\n${F}sh run timeout=1m\necho "$TARGET" ${code}\n${F}\n\n## Two\nManual.\n`;
  const hashes = (text: string) => stepHashes(parseRunbook(text, 'runbooks/t.md').runbook!);

  test('prose, and params a step does not use, leave the hashes alone; code, options and used params change them', () => {
    const base = hashes(doc('Prose.', ''));
    expect(hashes(doc('Other prose entirely.', ''))).toEqual(base);
    expect(hashes(doc('Prose.', '').replace('default: x', 'default: y'))).toEqual(base);
    expect(stepChange(base, hashes(doc('Prose.', '&& true')))).toBe('step 1 "One" changed since the run');
    expect(stepChange(base, hashes(doc('Prose.', '').replace('timeout=1m', 'timeout=2m')))).toBe('step 1 "One" changed since the run');
    expect(stepChange(base, hashes(doc('Prose.', '', ', pattern: "^a$"')))).toBe('step 1 "One" changed since the run');
    expect(stepChange(base, hashes(`${doc('Prose.', '')}\n## Three\nMore.\n`))).toBe('step 3 "Three" is new since the run');
    expect(stepChange(hashes(`${doc('Prose.', '')}\n## Three\nMore.\n`), base)).toBe('step "Three" was removed since the run');
    expect(stepChange(base, base)).toBeUndefined();
  });
});
