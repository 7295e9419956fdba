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
    await expect.poll(() => existsSync(marker) && readFileSync(marker, 'utf8').trim() !== '', { timeout: 20_000 }).toBe(true);
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
    await expect.poll(() => existsSync(marker) && readFileSync(marker, 'utf8').trim() !== '', { timeout: 20_000 }).toBe(true);
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
