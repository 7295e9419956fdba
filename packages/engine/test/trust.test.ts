import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli, fence as F, NODE } from './helpers.js';

/**
 * Evidence you can trust (issue 14), end to end with the real CLI: runs bound to the runbook they prove,
 * journals that show tampering, committed evidence trusted through evidence/allowed_signers, one answer
 * from any directory, interrupts that record nothing, key-signed sign-offs, and signed release records.
 */

const DRILL = (rto: string, prose = 'Restores the dump and measures the recovery.') =>
  [
    '---',
    'title: DR drill',
    'params:',
    '  TARGET: { type: string, default: scratch }',
    '---',
    '',
    '## Back up',
    'Dumps the database.',
    '',
    `${F}sh run`,
    'echo "backup of $TARGET"',
    F,
    '',
    '## Restore',
    prose,
    '',
    `${F}sh run`,
    `echo "RTO_SECONDS=${rto}" >> "$READYBOOK_OUTPUT"`,
    F,
    '',
  ].join('\n');

const GATE = (extra: string[] = [], frontmatter = '') =>
  [
    '---',
    'title: Gate',
    'gate: launch',
    'owner: ops',
    frontmatter,
    '---',
    '',
    '## Recovery',
    '',
    '- [ ] The drill passed `evidence: dr-drill`',
    '- [ ] RTO under an hour `measure: dr-drill RTO_SECONDS < 3600`',
    '- [ ] Commands run from the repository root `command: test -f runbooks/dr-drill.md`',
    ...extra,
    '',
  ]
    .filter((l) => l !== null)
    .join('\n');

/** The environment of a user in the repository: no READYBOOK_HOME (the home is <root>/.readybook), no key given. */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  delete env.READYBOOK_HOME;
  if (!extra.READYBOOK_SIGNING_KEY) delete env.READYBOOK_SIGNING_KEY;
  return env;
}

/** A git repository with runbooks/dr-drill.md, checklists/gate.md and a nested folder. */
function repo(options: { gate?: string } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'readybook-trust-'));
  execFileSync('git', ['init', '-q', root]);
  mkdirSync(join(root, 'runbooks'));
  mkdirSync(join(root, 'checklists'));
  mkdirSync(join(root, 'deep', 'a', 'b'), { recursive: true });
  writeFileSync(join(root, 'runbooks', 'dr-drill.md'), DRILL('120'));
  writeFileSync(join(root, 'checklists', 'gate.md'), options.gate ?? GATE());
  const env = userEnv();
  return {
    root,
    env,
    run: (args: string[], cwd = root, e = env) => cli(args, { cwd, env: e }),
    json: (cwd = root, e = env) => JSON.parse(cli(['check', 'gate', '--json'], { cwd, env: e }).stdout),
    runDirs: () => readdirSync(join(root, '.readybook', 'runs')).map((id) => join(root, '.readybook', 'runs', id)),
  };
}

const statuses = (evaluation: { sections: Array<{ items: Array<{ status: string }> }> }) => evaluation.sections.flatMap((s) => s.items.map((i) => i.status));

describe('evidence identity', () => {
  it('counts a run of runbooks/dr-drill.md with today\'s steps: GO, with expiresAt; same verdict from three directories', () => {
    const r = repo();
    expect(r.run(['run', 'dr-drill', '--yes']).code).toBe(0);
    const answers = [r.root, join(r.root, 'runbooks'), join(r.root, 'deep', 'a', 'b')].map((cwd) => {
      const human = r.run(['check', 'gate'], cwd);
      return { code: human.code, verdict: /^(GO|NO-GO)\b/m.exec(human.stdout)?.[1], json: r.json(cwd) };
    });
    for (const a of answers) {
      expect(a).toMatchObject({ code: 0, verdict: 'GO' });
      expect(a.json.checklist.file).toBe('checklists/gate.md');
      expect(statuses(a.json)).toEqual(['pass', 'pass', 'pass']);
    }
    const [first] = answers;
    expect(Date.parse(first!.json.expiresAt) - Date.parse(first!.json.sections[0].items[0].evidence.endedAt)).toBe(7 * 86_400_000);
    expect(first!.json.sections[0].items[1].evidence).toMatchObject({ repoPath: 'runbooks/dr-drill.md', head: expect.stringMatching(/^[0-9a-f]{64}$/), signer: expect.stringMatching(/this home/) });
    // Nothing written without --write.
    expect(existsSync(join(r.root, 'evidence', 'evaluations'))).toBe(false);
    const written = r.run(['check', 'gate', '--write'], join(r.root, 'deep'));
    expect(written.stdout).toMatch(/^wrote \S*evidence\/evaluations\/gate\.json$/m);
    expect(JSON.parse(readFileSync(join(r.root, 'evidence', 'evaluations', 'gate.json'), 'utf8')).verdict).toBe('GO');
  });

  it('a same-name runbook elsewhere does not count: NO-GO, and the reason says which file ran', () => {
    const r = repo();
    mkdirSync(join(r.root, 'elsewhere'));
    writeFileSync(join(r.root, 'elsewhere', 'dr-drill.md'), DRILL('1'));
    expect(r.run(['run', 'elsewhere/dr-drill.md', '--yes']).code).toBe(0);
    const check = r.run(['check', 'gate']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('NO-GO: 2 of 3 required items block launch');
    const evaluation = r.json();
    expect(statuses(evaluation)).toEqual(['missing', 'missing', 'pass']);
    expect(evaluation.sections[0].items[1].reason).toMatch(/no verified run of runbooks\/dr-drill\.md.*1 run of another runbook named dr-drill \(elsewhere\/dr-drill\.md\) do not count/);
  });

  it('a prose-only edit keeps the evidence; a step edit makes it outdated, naming the step', () => {
    const r = repo();
    expect(r.run(['run', 'dr-drill', '--yes']).code).toBe(0);
    writeFileSync(join(r.root, 'runbooks', 'dr-drill.md'), DRILL('120', 'Restores the dump into a scratch database, then measures how long recovery took.'));
    expect(r.run(['check', 'gate']).code).toBe(0);
    writeFileSync(join(r.root, 'runbooks', 'dr-drill.md'), DRILL('90'));
    const check = r.run(['check', 'gate']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/outdated: step 2 "Restore" changed since the run \S+ passed: it proves the runbook as it was; run `readybook run dr-drill` again/);
    expect(statuses(r.json())).toEqual(['outdated', 'outdated', 'pass']);
    // A param declaration a step uses is part of that step.
    writeFileSync(join(r.root, 'runbooks', 'dr-drill.md'), DRILL('120').replace('default: scratch', 'default: prod'));
    expect(r.json().sections[0].items[0].reason).toMatch(/^step 1 "Back up" changed since the run/);
  });
});

describe('tamper evidence', () => {
  it('an edited journal value is refused and `verify` says which line changed', () => {
    const r = repo();
    expect(r.run(['run', 'dr-drill', '--yes']).code).toBe(0);
    const [dir] = r.runDirs();
    const journal = join(dir!, 'journal.jsonl');
    writeFileSync(journal, readFileSync(journal, 'utf8').replace(/"RTO_SECONDS":"120"/g, '"RTO_SECONDS":"1"'));
    const report = join(dir!, 'report.json');
    writeFileSync(report, readFileSync(report, 'utf8').replace('"RTO_SECONDS": "120"', '"RTO_SECONDS": "1"'));
    const verify = r.run(['verify', 'latest']);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/✗ chain +line \d+ of the journal \(step\.end\) was changed after it was written/);
    expect(verify.stdout).toMatch(/✗ report +the report was changed after the run was sealed/);
    expect(verify.stdout).toMatch(/NOT VERIFIED: \d problems; checklists do not count this run/);
    const json = JSON.parse(r.run(['verify', 'latest', '--json']).stdout);
    expect(json).toMatchObject({ kind: 'run', ok: false, problems: expect.arrayContaining([expect.stringMatching(/was changed after it was written/)]) });
    const evaluation = r.json();
    expect(evaluation.verdict).toBe('NO-GO');
    expect(evaluation.refused).toMatchObject([{ runbook: 'dr-drill', source: 'journal', problem: expect.stringMatching(/was changed after it was written/) }]);
    expect(evaluation.sections[0].items[1].reason).toMatch(/1 run refused because it does not verify/);
  });

  it('a truncated journal is refused: the seal fixes its length', () => {
    const r = repo();
    expect(r.run(['run', 'dr-drill', '--yes']).code).toBe(0);
    const [dir] = r.runDirs();
    const journal = join(dir!, 'journal.jsonl');
    const lines = readFileSync(journal, 'utf8').trim().split('\n');
    writeFileSync(journal, `${lines.slice(0, -2).join('\n')}\n`);
    const verify = r.run(['verify', 'latest']);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(`✗ length     the journal has ${lines.length - 2} events but the seal says ${lines.length}: it was truncated`);
    expect(r.run(['check', 'gate']).code).toBe(1);
  });

  it('a resumed run continues the chain and is sealed again at its end', () => {
    const r = repo();
    writeFileSync(join(r.root, 'runbooks', 'flaky.md'), ['---', 'title: Flaky', '---', '', '## One', `${F}sh run`, 'echo one', F, '', '## Two', `${F}sh run`, 'test -f ok', F, ''].join('\n'));
    expect(r.run(['run', 'flaky', '--yes', '--no-rollback']).code).not.toBe(0);
    expect(r.run(['verify', 'latest']).code).toBe(0);
    writeFileSync(join(r.root, 'ok'), '');
    const [dir] = r.runDirs();
    expect(r.run(['resume', dir!.split('/').at(-1)!, '--yes']).code).toBe(0);
    const verify = r.run(['verify', 'latest']);
    expect(verify.stdout).toMatch(/✔ chain +\d+ events, hash chain intact/);
    expect(verify.code).toBe(0);
    const seqs = readFileSync(join(dir!, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).seq);
    expect(seqs).toEqual(seqs.map((_, i) => i));
  });

  it('ssh-keygen -Y verify checks the seal readybook signed', () => {
    const r = repo();
    expect(r.run(['run', 'dr-drill', '--yes']).code).toBe(0);
    const [dir] = r.runDirs();
    const pub = readFileSync(join(r.root, '.readybook', 'keys', 'signing-key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
    const allowed = join(r.root, 'allowed');
    writeFileSync(allowed, `ci namespaces="readybook-run" ${pub}\n`);
    const ok = spawnSync('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', 'ci', '-n', 'readybook-run', '-s', join(dir!, 'seal.json.sig')], { input: readFileSync(join(dir!, 'seal.json')), encoding: 'utf8' });
    expect(ok.stdout).toMatch(/Good "readybook-run" signature for ci with ED25519 key SHA256:/);
    expect(ok.status).toBe(0);
    const bad = spawnSync('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', 'ci', '-n', 'readybook-run', '-s', join(dir!, 'seal.json.sig')], { input: readFileSync(join(dir!, 'seal.json'), 'utf8').replace('"events": ', '"events": 1'), encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
  });
});

/** A repository evidence key made outside the repository: only its public half is listed. */
function evidenceKey(r: ReturnType<typeof repo>, principal = 'repo-evidence') {
  const keyHome = mkdtempSync(join(tmpdir(), 'readybook-key-'));
  const key = join(keyHome, 'evidence-key.pem');
  // The CLI makes a key on first use; READYBOOK_SIGNING_KEY must name an existing one, so make it with a run's home.
  cli(['run', 'dr-drill', '--yes'], { cwd: r.root, env: { ...r.env, READYBOOK_HOME: keyHome } });
  cpSync(join(keyHome, 'keys', 'signing-key.pem'), key);
  const pub = readFileSync(join(keyHome, 'keys', 'signing-key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  return { key, pub, line: `${principal} namespaces="readybook-run,readybook-evidence,readybook-release" ${pub} repository evidence key` };
}

describe('committed evidence', () => {
  it('counts when signed by a listed key (a fresh clone with no home); an edited value or an unlisted signer is refused', () => {
    const r = repo();
    const k = evidenceKey(r);
    expect(r.run(['run', 'dr-drill', '--yes']).code).toBe(0);
    const add = r.run(['evidence', 'add', 'latest'], r.root, { ...r.env, READYBOOK_SIGNING_KEY: k.key });
    expect(add.code).toBe(0);
    expect(add.stderr).toContain('is not listed in evidence/allowed_signers');
    writeFileSync(join(r.root, 'evidence', 'allowed_signers'), `${k.line}\n`);
    rmSync(join(r.root, '.readybook'), { recursive: true });
    const evaluation = r.json();
    expect(evaluation.verdict).toBe('GO');
    expect(evaluation.sections[0].items[0].evidence).toMatchObject({ source: 'evidence', signer: expect.stringMatching(/repo-evidence/) });
    const [file] = readdirSync(join(r.root, 'evidence', 'runs', 'dr-drill')).filter((n) => n.endsWith('.json'));
    const path = join(r.root, 'evidence', 'runs', 'dr-drill', file!);
    expect(r.run(['verify', path]).stdout).toMatch(/VERIFIED: evidence .* is intact and signed by a trusted key/);
    // ssh-keygen checks the evidence signature against the repository's list.
    const ok = spawnSync('ssh-keygen', ['-Y', 'verify', '-f', join(r.root, 'evidence', 'allowed_signers'), '-I', 'repo-evidence', '-n', 'readybook-evidence', '-s', `${path}.sig`], { input: readFileSync(path), encoding: 'utf8' });
    expect(ok.status).toBe(0);

    const original = readFileSync(path, 'utf8');
    writeFileSync(path, original.replace('"RTO_SECONDS": "120"', '"RTO_SECONDS": "1"'));
    const edited = r.run(['verify', path]);
    expect(edited.code).toBe(1);
    expect(edited.stdout).toMatch(/✗ signature +the evidence signature does not verify: .* it was changed after it was signed/);
    expect(edited.stdout).toMatch(/✗ report +the report was changed after the run was sealed/);
    expect(r.json().verdict).toBe('NO-GO');

    writeFileSync(path, original);
    writeFileSync(join(r.root, 'evidence', 'allowed_signers'), '');
    const unlisted = r.json();
    expect(unlisted.verdict).toBe('NO-GO');
    expect(unlisted.refused[0].problem).toMatch(/^signed by SHA256:\S+, which is not listed in evidence\/allowed_signers/);
  });
});

describe('an interrupted check', () => {
  const slowGate = (marker: string) => GATE([`- [ ] Slow \`command(timeout=1m): echo $$ > ${marker}; sleep 60\``]);

  it('SIGTERM stops the command\'s process group, exits 130 and writes nothing', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'readybook-int-')), 'pid');
    const r = repo({ gate: slowGate(marker) });
    const child = spawn(NODE, [BIN, 'check', 'gate', '--write'], { cwd: r.root, env: r.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    await expect.poll(() => existsSync(marker) && readFileSync(marker, 'utf8').trim() !== '', { timeout: 45_000 }).toBe(true);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted by SIGTERM while running `echo .*sleep 60`: its process group was stopped; no verdict, nothing was written/);
    expect(existsSync(join(r.root, 'evidence', 'evaluations', 'gate.json'))).toBe(false);
    const pid = Number(readFileSync(marker, 'utf8'));
    await expect.poll(() => alive(pid), { timeout: 5_000 }).toBe(false);
  });

  it('Ctrl-C on a terminal (SIGINT in a pty) does the same', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'readybook-int-')), 'pid');
    const r = repo({ gate: slowGate(marker) });
    const log = join(r.root, 'pty.log');
    const command = `${NODE} ${BIN} check gate --write`;
    const child = spawn('script', ['-qfec', command, log], { cwd: r.root, env: r.env, stdio: ['pipe', 'pipe', 'pipe'] });
    await expect.poll(() => existsSync(marker) && readFileSync(marker, 'utf8').trim() !== '', { timeout: 45_000 }).toBe(true);
    child.stdin.write('\u0003');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(readFileSync(log, 'utf8')).toMatch(/interrupted by SIGINT/);
    expect(existsSync(join(r.root, 'evidence', 'evaluations', 'gate.json'))).toBe(false);
    await expect.poll(() => alive(Number(readFileSync(marker, 'utf8'))), { timeout: 5_000 }).toBe(false);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** An approver's SSH key, as `ssh-keygen -t ed25519` makes it. */
function sshKey(name: string) {
  const dir = mkdtempSync(join(tmpdir(), 'readybook-ssh-'));
  const key = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
  return { key, pub: readFileSync(`${key}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ') };
}

describe('signed sign-offs', () => {
  const gate = GATE(['- [ ] Security review done `manual(role=security-lead)`', '- [x] Ops ready — signed: bob (ops-lead) 2026-12-01 `manual(role=ops-lead)`']);
  const item = (r: ReturnType<typeof repo>, n: number) => r.json().sections[0].items[n];

  it('counts a signature by a key listed for the role, over the current evidence; refuses an unlisted key, a stale digest and a future date', () => {
    const r = repo({ gate });
    expect(r.run(['run', 'dr-drill', '--yes']).code).toBe(0);
    const alice = sshKey('alice');
    const signoff = () => r.run(['signoff', 'gate', 'security review', '--role', 'security-lead', '--key', alice.key, '--name', 'alice']);
    const unlisted = signoff();
    expect(unlisted.code).toBe(0);
    expect(unlisted.stdout).toMatch(/^signed item 13 "Security review done" as security-lead \(alice, SHA256:\S+\)\nwrote evidence\/signoffs\/gate\/security-lead--security-review-done\.json and evidence\/signoffs\/gate\/security-lead--security-review-done\.json\.sig; commit them\n$/);
    expect(unlisted.stderr).toContain('is not listed for security-lead in evidence/allowed_signers');
    expect(item(r, 3)).toMatchObject({ status: 'pending', reason: expect.stringMatching(/which evidence\/allowed_signers does not list for the role security-lead/) });

    writeFileSync(join(r.root, 'evidence', 'allowed_signers'), `security-lead namespaces="readybook-signoff" ${alice.pub} alice\n`);
    const confirmed = r.run(['check', 'gate']);
    expect(confirmed.stdout).toMatch(/confirmed +manual +Security review done +signed: alice \(security-lead\)/);
    expect(item(r, 3)).toMatchObject({ status: 'confirmed', signoff: { signedBy: 'alice', role: 'security-lead', file: 'evidence/signoffs/gate/security-lead--security-review-done.json' } });
    // A plain written sign-off does not count unless the checklist allows it.
    expect(item(r, 4)).toMatchObject({ status: 'pending', reason: expect.stringMatching(/not signed with a key and this checklist does not accept unsigned sign-offs/) });
    // The wrong role is refused before anything is signed.
    const wrong = r.run(['signoff', 'gate', '13', '--role', 'ops-lead', '--key', alice.key]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/error RB073: item 13 must be signed by security-lead, not ops-lead/);

    const signOffFile = 'evidence/signoffs/gate/security-lead--security-review-done.json';
    expect(r.run(['verify', signOffFile]).stdout).toMatch(/✔ signature +signed by alice as security-lead \(SHA256:\S+, listed as security-lead\), over the current evidence/);
    // New evidence: the sign-off was over the old digest.
    expect(r.run(['run', 'dr-drill', '--yes']).code).toBe(0);
    const stale = r.run(['verify', signOffFile]);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/✗ signature +alice signed over older evidence/);
    expect(item(r, 3)).toMatchObject({ status: 'pending', reason: expect.stringMatching(/alice signed over older evidence \(digest \w+, now \w+\): the evidence changed since/) });
    expect(signoff().code).toBe(0);
    expect(item(r, 3).status).toBe('confirmed');

    // Dated in the future: a valid signature, but it does not count.
    const file = join(r.root, 'evidence', 'signoffs', 'gate', 'security-lead--security-review-done.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/"signedAt": "[^"]+"/, '"signedAt": "2099-01-01T00:00:00.000Z"'));
    rmSync(`${file}.sig`);
    execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', alice.key, '-n', 'readybook-signoff', file]);
    expect(item(r, 3)).toMatchObject({ status: 'pending', reason: expect.stringMatching(/is dated 2099-01-01T00:00:00\.000Z, in the future/) });
  });

  it('plain `— signed:` lines count where the checklist allows unsigned sign-offs', () => {
    const r = repo({ gate: GATE(['- [x] Ops ready — signed: bob (ops-lead) 2026-12-01 `manual(role=ops-lead)`'], 'unsigned-signoffs: true') });
    expect(item(r, 3)).toMatchObject({ status: 'confirmed', signedBy: 'bob', role: 'ops-lead' });
  });
});

describe('release records', () => {
  it('check --release writes a signed in-toto statement; verify accepts it, then refuses it tampered or signed by an unknown key', () => {
    const r = repo();
    expect(r.run(['run', 'dr-drill', '--yes']).code).toBe(0);
    const check = r.run(['check', 'gate', '--release', 'v1.0.0']);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('wrote evidence/releases/gate/v1.0.0.intoto.json (signed decision record for v1.0.0');
    const path = join(r.root, 'evidence', 'releases', 'gate', 'v1.0.0.intoto.json');
    const envelope = JSON.parse(readFileSync(path, 'utf8'));
    expect(envelope).toMatchObject({ payloadType: 'application/vnd.in-toto+json', signatures: [{ keyid: expect.stringMatching(/^SHA256:/), sig: expect.any(String) }] });
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    expect(statement).toMatchObject({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'checklists/gate.md', digest: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } }],
      predicateType: 'https://readybook.dev/go-no-go/v1',
      predicate: { release: 'v1.0.0', verdict: 'GO', verificationResult: 'PASSED', expiresAt: expect.any(String), evidenceDigest: expect.any(String) },
    });
    expect(statement.predicate.items[0]).toMatchObject({ status: 'pass', evidence: { runbook: 'dr-drill', runId: expect.any(String), head: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const ok = r.run(['verify', 'evidence/releases/gate/v1.0.0.intoto.json']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/✔ statement +GO for release v1\.0\.0/);

    statement.predicate.items[1].actual = '1';
    writeFileSync(path, JSON.stringify({ ...envelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') }));
    const tampered = r.run(['verify', path]);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/✗ signature +the signature by SHA256:\S+ does not match the statement: the record was changed after it was signed/);
    expect(JSON.parse(r.run(['verify', path, '--json']).stdout)).toMatchObject({ kind: 'release', ok: false });

    writeFileSync(path, JSON.stringify(envelope));
    rmSync(join(r.root, '.readybook'), { recursive: true });
    const unknown = r.run(['verify', path]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/neither this home's key nor listed for readybook-release/);
  });
});
