import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliAsync, events, fence as F, onlyRunDir, readAll, runbook, workspace } from './helpers.js';

/** A step that records that it ran by appending its name to trace.log. */
const traced = (title: string, opts: { run?: string; verify?: string; rollback?: string } = {}) =>
  [
    `## ${title}`,
    `${F}sh run`,
    `echo "run ${title}" >> trace.log`,
    opts.run ?? 'true',
    F,
    ...(opts.verify ? [`${F}sh verify`, opts.verify, F] : []),
    ...(opts.rollback !== undefined ? [`${F}sh rollback`, `echo "rollback ${title}" >> trace.log`, opts.rollback || 'true', F] : []),
  ].join('\n');

const trace = (dir: string) => readFileSync(join(dir, 'trace.log'), 'utf8').trim().split('\n');

describe('readybook run', () => {
  it('runs every step, journals each event and writes both reports', () => {
    const ws = workspace();
    ws.write('ok.md', runbook('title: OK', traced('one'), traced('two', { verify: 'grep -q "run two" trace.log' })));
    const result = cli(['run', 'ok.md', '--json'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    const stream = events(result.stdout);
    expect(stream.map((e) => e.type)).toEqual(['run.start', 'step.start', 'step.run.end', 'step.end', 'step.start', 'step.run.end', 'step.end', 'run.end']);
    for (const e of stream) expect(e).toMatchObject({ runId: stream[0]?.runId, time: expect.any(String) });
    expect(stream[0]).toMatchObject({ runbook: { id: 'ok', path: 'ok.md', title: 'OK' } });
    expect(stream[3]).toMatchObject({ step: { index: 1, title: 'one' }, status: 'passed', attempts: 1, exitCode: 0, durationMs: expect.any(Number) });
    expect(stream.at(-1)).toMatchObject({ type: 'run.end', status: 'passed', exitCode: 0 });
    const dir = onlyRunDir(ws.home);
    const journal = readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(journal.map((e) => e.type)).toEqual(stream.map((e) => e.type));
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ status: 'passed', exitCode: 0, runbook: { hash: expect.stringMatching(/^[0-9a-f]{64}$/) }, operator: expect.any(String), host: expect.any(String) });
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain('| 2 | two | passed | 1 |');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(trace(ws.dir)).toEqual(['run one', 'run two']);
  });

  it('rolls back the failed step and every earlier passed step, newest first, and exits 1', () => {
    const ws = workspace();
    ws.write('rb.md', runbook('title: RB', traced('a', { rollback: '' }), traced('b'), traced('c', { rollback: '' }), traced('d', { verify: 'false', rollback: '' }), traced('e', { rollback: '' })));
    const result = cli(['run', 'rb.md', '--json'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(1);
    expect(trace(ws.dir)).toEqual(['run a', 'run b', 'run c', 'run d', 'rollback d', 'rollback c', 'rollback a']);
    const stream = events(result.stdout);
    expect(stream.find((e) => e.type === 'rollback.start')).toMatchObject({ steps: [4, 3, 2, 1] });
    expect(stream.filter((e) => e.type === 'rollback.step.end').map((e) => [e.step.index, e.status])).toEqual([[4, 'passed'], [3, 'passed'], [2, 'skipped'], [1, 'passed']]);
    expect(stream.at(-1)).toMatchObject({ status: 'rolled-back', exitCode: 1, failedStep: { index: 4 } });
  });

  it('exits 3 when a rollback block fails too', () => {
    const ws = workspace();
    ws.write('rf.md', runbook('title: RF', traced('a', { rollback: 'exit 7' }), traced('b', { run: 'exit 1' })));
    const result = cli(['run', 'rf.md'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('ROLLBACK FAILED');
  });

  it('--no-rollback stops without compensating', () => {
    const ws = workspace();
    ws.write('nr.md', runbook('title: NR', traced('a', { rollback: '' }), traced('b', { run: 'exit 1' })));
    expect(cli(['run', 'nr.md', '--no-rollback'], { cwd: ws.dir, env: ws.env }).code).toBe(5);
    expect(trace(ws.dir)).toEqual(['run a', 'run b']);
  });

  it('retries a failing run block', () => {
    const ws = workspace();
    ws.write('retry.md', runbook('title: Retry', ['## flaky', `${F}sh run retries=3 delay=10ms`, 'n=$(cat n 2>/dev/null || echo 0); echo $((n+1)) > n; [ "$((n+1))" -ge 3 ]', F].join('\n')));
    const result = cli(['run', 'retry.md', '--json'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    expect(events(result.stdout).find((e) => e.type === 'step.end')).toMatchObject({ status: 'passed', attempts: 3 });
  });

  it('a timeout kills the whole process tree of the step', async () => {
    const ws = workspace();
    ws.write('slow.md', runbook('title: Slow', ['## hang', `${F}sh run timeout=1s`, '(sleep 300; echo escaped > escaped.txt) &', 'echo $! > child.pid', 'sleep 300', F].join('\n')));
    const result = cli(['run', 'slow.md', '--json'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(1);
    expect(events(result.stdout).find((e) => e.type === 'step.end')).toMatchObject({ status: 'failed', phase: 'timeout' });
    const pid = Number(readFileSync(join(ws.dir, 'child.pid'), 'utf8'));
    await new Promise((r) => setTimeout(r, 300));
    // Dead, or a zombie waiting for an init that does not reap (as in some containers).
    const state = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] : 'gone';
    expect(['gone', 'Z', 'X']).toContain(state);
    expect(existsSync(join(ws.dir, 'escaped.txt'))).toBe(false);
  });

  it('passes outputs to later steps and records them', () => {
    const ws = workspace();
    ws.write('out.md', runbook('title: Out', ['## produce', `${F}sh run`, 'echo "ANSWER=42" >> "$READYBOOK_OUTPUT"', F].join('\n'), ['## consume', `${F}sh run`, 'test "$ANSWER" = 42', 'echo "DOUBLE=$((ANSWER*2))" >> "$READYBOOK_OUTPUT"', F].join('\n')));
    const result = cli(['run', 'out.md', '--json'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    expect(events(result.stdout).at(-1)).toMatchObject({ outputs: { ANSWER: '42', DOUBLE: '84' } });
  });

  it('runs js blocks as zx scripts with params and outputs', () => {
    const ws = workspace();
    ws.write('js.md', runbook('title: JS\nparams:\n  WHO: { default: zx }', ['## js', `${F}js run`, 'const out = await $`echo hello ${params.WHO}`;', 'output("GREETING", out.stdout.trim());', F].join('\n')));
    const result = cli(['run', 'js.md', '--json'], { cwd: ws.dir, env: ws.env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(events(result.stdout).at(-1)).toMatchObject({ outputs: { GREETING: 'hello zx' } });
  });

  it('never lets a secret reach stdout, the journal, logs or reports', () => {
    const ws = workspace();
    const canary = 'CANARY-s3cr3t-7f1e';
    ws.write('secret.md', runbook('title: Secret\nparams:\n  TOKEN: { secret: true, required: true }', ['## leak', `${F}sh run`, 'echo "token is $TOKEN"', 'echo "token is $TOKEN" >&2', 'echo "LEAK=prefix-$TOKEN" >> "$READYBOOK_OUTPUT"', 'printf "%s" "$TOKEN" | fold -w 5', F].join('\n'), ['## fail', `${F}sh run`, 'echo "failing with $TOKEN"; curl-not-here "--token=$TOKEN"', F].join('\n')));
    for (const json of [[], ['--json']]) {
      const result = cli(['run', 'secret.md', '--param', `TOKEN=${canary}`, ...json], { cwd: ws.dir, env: ws.env });
      expect(result.code).toBe(1);
      expect(result.stdout + result.stderr).not.toContain(canary);
      expect(result.stdout).toContain('***');
    }
    expect(readAll(ws.home)).not.toContain(canary);
    const report = cli(['report', 'latest', '--format', 'json'], { cwd: ws.dir, env: ws.env });
    expect(report.stdout).not.toContain(canary);
    expect(JSON.parse(report.stdout).outputs.LEAK).toBe('***');
  });

  it('passes hostile param values as data, never as code', () => {
    const ws = workspace();
    ws.write('inj.md', runbook('title: Inj\nparams:\n  V: { required: true }', ['## echo', `${F}sh run`, 'printf "%s" "$V" > value.txt', F].join('\n')));
    for (const value of ["'; touch pwned; echo '", '$(touch pwned)', '`touch pwned`', 'a\ntouch pwned', '" ; touch pwned ; "']) {
      const result = cli(['run', 'inj.md', '--param', `V=${value}`], { cwd: ws.dir, env: ws.env });
      expect(result.code).toBe(0);
      expect(readFileSync(join(ws.dir, 'value.txt'), 'utf8')).toBe(value);
      expect(existsSync(join(ws.dir, 'pwned'))).toBe(false);
    }
  });

  it('refuses a second concurrent run with exit 4, naming the holder, and takes over a dead lock', async () => {
    const ws = workspace();
    // The step holds the lock until the test creates `release`, however slowly the machine starts processes.
    ws.write('lock.md', runbook('title: Lock', ['## wait', `${F}sh run`, 'touch started', 'for i in $(seq 600); do [ -e release ] && exit 0; sleep 0.1; done; exit 1', F].join('\n')));
    const started = join(ws.dir, 'started');
    const release = join(ws.dir, 'release');
    const first = cliAsync(['run', 'lock.md'], { cwd: ws.dir, env: ws.env });
    while (!existsSync(started)) await new Promise((r) => setTimeout(r, 50));
    const second = cli(['run', 'lock.md'], { cwd: ws.dir, env: ws.env });
    expect(second.code).toBe(4);
    expect(second.stderr).toMatch(new RegExp(`locked by run \\S+-lock-[0-9a-f]+ \\(pid ${first.child.pid} `));
    writeFileSync(release, '');
    expect((await first.done).code).toBe(0);
    // A lock left by a killed process is taken over.
    rmSync(started);
    rmSync(release);
    const killed = cliAsync(['run', 'lock.md'], { cwd: ws.dir, env: ws.env });
    while (!existsSync(started)) await new Promise((r) => setTimeout(r, 50));
    killed.child.kill('SIGKILL');
    await killed.done;
    writeFileSync(release, '');
    expect(cli(['run', 'lock.md'], { cwd: ws.dir, env: ws.env }).code).toBe(0);
  });

  it('never shows a half-written lock, and takes over a damaged one (empty after a crash or a full disk)', async () => {
    const ws = workspace();
    // The holder waits for `release`, written once the others have been refused (or after 20 s), so a
    // slow machine cannot let one run finish before another starts and make two winners look right.
    ws.write('quick.md', runbook('title: Quick', ['## one', `${F}sh run`, 'for i in $(seq 400); do [ -f release ] && exit 0; sleep 0.05; done', F].join('\n')));
    // Eight at once: exactly one runs; every refusal names a real holder, never a placeholder.
    const runs = Array.from({ length: 8 }, () => cliAsync(['run', 'quick.md'], { cwd: ws.dir, env: ws.env }));
    let ended = 0;
    for (const r of runs) void r.done.then(() => (ended += 1));
    const deadline = Date.now() + 20_000;
    while (ended < 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    writeFileSync(join(ws.dir, 'release'), '');
    const results = await Promise.all(runs.map((r) => r.done));
    expect(results.filter((r) => r.code === 0)).toHaveLength(1);
    const pids = new Set(runs.map((r) => r.child.pid));
    for (const r of results.filter((x) => x.code === 4)) {
      const pid = Number(/\(pid (\d+) /.exec(r.stderr)?.[1]);
      expect(r.stderr).toMatch(/locked by run \S+-quick-[0-9a-f]+ \(pid \d+ /);
      expect(pids.has(pid)).toBe(true);
    }
    // A damaged lock: empty, and old enough that no writer can still be filling it in.
    const key = createHash('sha256').update(realpathSync(join(ws.dir, 'quick.md'))).digest('hex').slice(0, 12);
    const lock = join(ws.home, 'locks', `quick-${key}.lock`);
    expect(readdirSync(join(ws.home, 'locks'))).toEqual([]); // released, and no draft left behind
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    expect(cli(['run', 'quick.md'], { cwd: ws.dir, env: ws.env }).code).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });

  it('refuses a manual step in a non-interactive run without --yes, and checks it with verify', () => {
    const ws = workspace();
    ws.write('manual.md', runbook('title: Manual', ['## by hand', 'Create the file `done.txt`.', `${F}sh verify`, 'test -f done.txt', F].join('\n')));
    const refused = cli(['run', 'manual.md'], { cwd: ws.dir, env: ws.env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('manual step 1 "by hand"');
    expect(existsSync(ws.home)).toBe(false);
    expect(cli(['run', 'manual.md', '--yes'], { cwd: ws.dir, env: ws.env }).code).toBe(1);
    writeFileSync(join(ws.dir, 'done.txt'), '');
    expect(cli(['run', 'manual.md', '--yes'], { cwd: ws.dir, env: ws.env }).code).toBe(0);
  });

  it('SIGTERM stops the step, rolls back and exits 130', async () => {
    const ws = workspace();
    ws.write('int.md', runbook('title: Int', traced('a', { rollback: '' }), ['## long', `${F}sh run`, 'touch started; sleep 60', F].join('\n')));
    const run = cliAsync(['run', 'int.md'], { cwd: ws.dir, env: ws.env });
    while (!existsSync(join(ws.dir, 'started'))) await new Promise((r) => setTimeout(r, 50));
    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(trace(ws.dir)).toEqual(['run a', 'rollback a']);
  });
});

describe('readybook resume', () => {
  const book = (failing: boolean) =>
    runbook('title: Resume\nparams:\n  MODE: { default: go }', traced('a'), traced('b', { run: failing ? 'test -f fixed' : 'true' }), traced('c'));

  it('continues a failed run without re-running passed steps', () => {
    const ws = workspace();
    ws.write('resume.md', book(true));
    expect(cli(['run', 'resume.md', '--no-rollback', '--param', 'MODE=kept'], { cwd: ws.dir, env: ws.env }).code).toBe(5);
    const runId = readFileSync(join(onlyRunDir(ws.home), 'journal.jsonl'), 'utf8').match(/"runId":"([^"]+)"/)?.[1] as string;
    writeFileSync(join(ws.dir, 'fixed'), '');
    const resumed = cli(['resume', runId, '--json'], { cwd: ws.dir, env: ws.env });
    expect(resumed.code).toBe(0);
    expect(trace(ws.dir)).toEqual(['run a', 'run b', 'run b', 'run c']);
    expect(events(resumed.stdout)[0]).toMatchObject({ type: 'run.resume', skip: [1] });
    expect(JSON.parse(readFileSync(join(onlyRunDir(ws.home), 'report.json'), 'utf8'))).toMatchObject({ status: 'passed', params: { MODE: 'kept' } });
    expect(cli(['resume', runId], { cwd: ws.dir, env: ws.env }).code).toBe(2);
  });

  it('continues a run killed with SIGKILL mid-step, and refuses a changed runbook unless --force', async () => {
    const ws = workspace();
    ws.write('killed.md', runbook('title: Killed', traced('a'), traced('b', { run: 'touch started; sleep 30' }), traced('c')));
    const run = cliAsync(['run', 'killed.md'], { cwd: ws.dir, env: ws.env });
    while (!existsSync(join(ws.dir, 'started'))) await new Promise((r) => setTimeout(r, 50));
    run.child.kill('SIGKILL');
    await run.done;
    const runId = readFileSync(join(onlyRunDir(ws.home), 'journal.jsonl'), 'utf8').match(/"runId":"([^"]+)"/)?.[1] as string;
    const fixed = runbook('title: Killed', traced('a'), traced('b'), traced('c'));
    ws.write('killed.md', fixed);
    const refused = cli(['resume', runId], { cwd: ws.dir, env: ws.env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('changed since run');
    expect(cli(['resume', runId, '--force'], { cwd: ws.dir, env: ws.env }).code).toBe(0);
    expect(trace(ws.dir)).toEqual(['run a', 'run b', 'run b', 'run c']);
  });
});

describe('CLI usage and validation', () => {
  it('exits 2 with a file:line diagnostic for an invalid runbook and runs nothing', () => {
    const ws = workspace();
    ws.write('bad.md', runbook('title: Bad', ['## a', `${F}sh run timeout=abc`, 'touch ran', F].join('\n')));
    const result = cli(['run', 'bad.md'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bad.md:6:11: error RB013');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(ws.dir, 'ran'))).toBe(false);
    const validate = cli(['validate', 'bad.md'], { cwd: ws.dir, env: ws.env });
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain('bad.md:6:11: error RB013: option `timeout=abc` is invalid');
  });

  it('says which params came from the environment, masking secrets, and journals every source', () => {
    const ws = workspace();
    ws.write('src.md', runbook('title: Src\nparams:\n  VERSION: { default: v1 }\n  KEEP: { type: number, default: 3 }\n  TOKEN: { secret: true, required: false }', ['## one', `${F}sh run`, 'echo "$VERSION $KEEP"', F].join('\n')));
    const r = cli(['run', 'src.md', '--param', 'KEEP=5'], { cwd: ws.dir, env: { ...ws.env, VERSION: 'v9', TOKEN: 'tok-6d1f' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('params from the environment: VERSION=v9 TOKEN=***');
    expect(r.stdout).not.toContain('tok-6d1f');
    const start = JSON.parse(readFileSync(join(onlyRunDir(ws.home), 'journal.jsonl'), 'utf8').split('\n')[0] as string);
    expect(start.paramSources).toEqual({ VERSION: 'env', KEEP: 'flag', TOKEN: 'env' });
  });

  it('checks params before anything runs', () => {
    const ws = workspace();
    ws.write('p.md', runbook('title: P\nparams:\n  N: { type: number, required: true }\n  E: { type: enum, values: [a, b], default: a }', traced('a')));
    expect(cli(['run', 'p.md'], { cwd: ws.dir, env: ws.env }).stderr).toContain('param N is required');
    const bad = cli(['run', 'p.md', '--param', 'N=abc', '--param', 'E=c'], { cwd: ws.dir, env: ws.env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('param N must be a number');
    expect(bad.stderr).toContain('param E must be one of a, b');
    expect(cli(['run', 'p.md', '--param', 'X=1', '--param', 'N=1'], { cwd: ws.dir, env: ws.env }).stderr).toContain('unknown param X');
    expect(existsSync(join(ws.dir, 'trace.log'))).toBe(false);
    expect(cli(['run', 'p.md'], { cwd: ws.dir, env: { ...ws.env, N: '5' } }).code).toBe(0);
  });

  it('plans without executing and masks secrets', () => {
    const ws = workspace();
    ws.write('plan.md', runbook('title: Plan\nparams:\n  KEY: { secret: true, default: hunter2 }', traced('a', { rollback: '' })));
    const result = cli(['plan', 'plan.md'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('KEY');
    expect(result.stdout).not.toContain('hunter2');
    expect(existsSync(join(ws.dir, 'trace.log'))).toBe(false);
  });

  it('gives distinct exit codes and sentences for usage errors', () => {
    const ws = workspace();
    expect(cli(['frobnicate'], { cwd: ws.dir }).code).toBe(2);
    expect(cli(['run'], { cwd: ws.dir }).stderr).toContain('needs <runbook>');
    expect(cli(['run', '../../etc/passwd-like'], { cwd: ws.dir }).code).toBe(2);
    expect(cli(['report', '../x'], { cwd: ws.dir }).stderr).toContain('is not a run id');
    expect(cli(['--version'], { cwd: ws.dir }).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('secret params in error messages', () => {
  it('a rejected secret value is not echoed', () => {
    const ws = workspace();
    ws.write('s.md', runbook('title: S\nparams:\n  PIN: { type: number, secret: true, required: true }', traced('a')));
    const result = cli(['run', 's.md', '--param', 'PIN=hunter2-canary'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('param PIN must be a number');
    expect(result.stderr).not.toContain('hunter2-canary');
  });
});

describe('resume after the engine alone was killed', () => {
  it('stops the block the killed engine left running before running the step again', async () => {
    const ws = workspace();
    // The first attempt sleeps far longer than any resume can take to start, so the orphan is surely
    // still running when resume looks; the resumed attempt (after `second` exists) finishes at once.
    ws.write('orphan.md', runbook('title: Orphan', ['## slow', `${F}sh run`, 'if [ -e second ]; then echo done >> done.log; exit 0; fi', 'touch started; sleep 60; echo done >> done.log', F].join('\n')));
    const run = cliAsync(['run', 'orphan.md'], { cwd: ws.dir, env: ws.env });
    while (!existsSync(join(ws.dir, 'started'))) await new Promise((r) => setTimeout(r, 50));
    run.child.kill('SIGKILL'); // the engine only: the step's process group lives on
    await run.done;
    writeFileSync(join(ws.dir, 'second'), '');
    const runId = readFileSync(join(onlyRunDir(ws.home), 'journal.jsonl'), 'utf8').match(/"runId":"([^"]+)"/)?.[1] as string;
    const resumed = cli(['resume', runId, '--json'], { cwd: ws.dir, env: ws.env });
    expect(resumed.code).toBe(0);
    expect(events(resumed.stdout)[0]).toMatchObject({ type: 'run.resume', stoppedOrphan: expect.stringContaining('step 1') });
    await new Promise((r) => setTimeout(r, 1000));
    expect(readFileSync(join(ws.dir, 'done.log'), 'utf8').trim().split('\n')).toEqual(['done']);
  });
});
