import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../src/errors.js';
import { BIN, cli, fence as F, NODE, runbook, workspace } from './helpers.js';
import { journalOf, startIn, until } from './modes.js';

const step = (title: string, code: string, role = 'run') => [`## ${title}`, `${F}sh ${role}`, code, F].join('\n');

describe('usage errors are refused before anything runs (exit 2)', () => {
  it('a stray positional argument is refused, with a hint for params', () => {
    const ws = workspace();
    ws.write('hello.md', runbook('title: Hello\nparams:\n  NAME: { default: World }', step('greet', 'echo "hello $NAME" > out.txt')));
    const result = cli(['run', 'hello.md', 'NAME=Ada'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"NAME=Ada" is not used');
    expect(result.stderr).toContain('hint: Params are passed as options: `--param NAME=Ada`.');
    expect(() => readFileSync(join(ws.dir, 'out.txt'))).toThrow();
  });

  it('a param given twice is refused', () => {
    const ws = workspace();
    ws.write('p.md', runbook('title: P\nparams:\n  N: { type: number, default: 1 }', step('s', 'true')));
    const result = cli(['run', 'p.md', '--param', 'N=1', '--param', 'N=2'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error RB033: --param N is given twice');
  });

  it('number params are strict and passed on canonical', () => {
    const ws = workspace();
    ws.write('n.md', runbook('title: N\nparams:\n  N: { type: number, required: true }', step('s', 'printf %s "$N" > n.txt')));
    for (const bad of [' 5', '0x10', '1e3', '.5', '5.', 'Infinity', '']) {
      const result = cli(['run', 'n.md', '--param', `N=${bad}`], { cwd: ws.dir, env: ws.env });
      expect(result.code, bad).toBe(2);
      expect(result.stderr).toContain('must be a number written in decimal digits');
    }
    expect(cli(['run', 'n.md', '--param', 'N=05.50'], { cwd: ws.dir, env: ws.env }).code).toBe(0);
    expect(readFileSync(join(ws.dir, 'n.txt'), 'utf8')).toBe('5.5');
  });

  it('a missing required param is exit 2 without a terminal, and asked for (masked) on one', async () => {
    const ws = workspace();
    ws.write('s.md', runbook('title: S\nparams:\n  TOKEN: { secret: true, required: true, description: API token }', step('use', 'test "$TOKEN" = hunter22 && echo "token ok $TOKEN"')));
    const piped = cli(['run', 's.md'], { cwd: ws.dir, env: ws.env });
    expect(piped.code).toBe(2);
    expect(piped.stderr).toContain('param TOKEN is required');
    const run = startIn('pty', ['run', 's.md'], { cwd: ws.dir, env: ws.env });
    await until(() => run.output().includes('TOKEN (API token):'));
    run.type('hunter22\r');
    const result = await run.done;
    expect(result.code, result.raw).toBe(0);
    expect(result.raw).not.toContain('hunter22');
    expect(result.raw).toContain('********');
    expect(result.raw).toContain('token ok ***');
    expect(JSON.stringify(journalOf(ws.home))).not.toContain('hunter22');
  });

  it('blocks that do not parse are refused by validate, plan and run at the runbook line', () => {
    const ws = workspace();
    const text = runbook('title: Syntax', step('shell', 'if true; then\n  echo missing fi'), ['## js', `${F}js run`, 'const ok = 1;', 'const x = ;', F].join('\n'));
    ws.write('bad.md', text);
    const lines = text.split('\n');
    const validate = cli(['validate', 'bad.md'], { cwd: ws.dir, env: ws.env });
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain(`bad.md:${lines.indexOf('  echo missing fi') + 1}:1: error RB021: the run block (sh) does not parse: syntax error: unexpected end of file`);
    expect(validate.stderr).toMatch(new RegExp(`bad\\.md:${lines.indexOf('const x = ;') + 1}:11: error RB021: the run block \\(js\\) does not parse: Unexpected token`));
    for (const verb of ['plan', 'run']) {
      const result = cli([verb, 'bad.md'], { cwd: ws.dir, env: ws.env });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('RB021');
    }
  });

  it('background names are checked at validate: started once, awaited or stopped only after they start', () => {
    const ws = workspace();
    const bg = (title: string, info: string) => [`## ${title}`, `${F}sh ${info}`, 'true', F].join('\n');
    ws.write('names.md', runbook('title: BG', bg('early', 'run await=load'), bg('start', 'run background=load'), bg('again', 'run background=load'), bg('end', 'run stop=load'), bg('end again', 'run await=load')));
    const names = cli(['validate', 'names.md'], { cwd: ws.dir, env: ws.env });
    expect(names.code).toBe(2);
    expect(names.stderr).toContain('`await=load` names no background block of an earlier step');
    expect(names.stderr).toContain('background block `load` is already started');
    expect(names.stderr).toContain('background block `load` is already ended');
    ws.write('bg.md', runbook('title: BG', bg('verify bg', 'verify background=x'), bg('retry', 'run background=r retries=2'), bg('bad', 'run background=Bad_Name')));
    const result = cli(['validate', 'bg.md'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('only a `run` block can run in the background');
    expect(result.stderr).toContain('a background block cannot retry');
    expect(result.stderr).toContain('option `background=Bad_Name` is invalid');
  });

  it('runs --limit takes a whole number of 1 or more; times carry their zone', () => {
    const ws = workspace();
    ws.write('ok.md', runbook('title: OK', step('s', 'true')));
    expect(cli(['run', 'ok.md'], { cwd: ws.dir, env: ws.env }).code).toBe(0);
    for (const bad of ['0', 'abc', '-1', '2.5', '']) {
      const result = cli(['runs', '--limit', bad], { cwd: ws.dir, env: ws.env });
      expect(result.code, bad).toBe(2);
      expect(result.stderr).toContain('--limit must be a whole number');
    }
    expect(cli(['runs', '--limit', '1'], { cwd: ws.dir, env: ws.env }).stdout).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  });

  it('an unknown command or option gets a did-you-mean', () => {
    const ws = workspace();
    expect(cli(['vlidate'], { cwd: ws.dir, env: ws.env }).stderr).toContain('did you mean `validate`?');
    expect(cli(['run', 'x.md', '--verbos'], { cwd: ws.dir, env: ws.env }).stderr).toContain('did you mean --verbose?');
  });

  it('a checklist or runbook that is not there, or not valid, is one coded error with a hint, like every other', () => {
    const ws = workspace();
    mkdirSync(join(ws.dir, 'checklists'));
    mkdirSync(join(ws.dir, 'runbooks'));
    ws.write('checklists/launch.md', '---\ntitle: Launch\ngate: launch\nowner: sre\n---\n\n## Ready\n\n- [ ] Fast `measure: load P95_MS ~ 200`\n');
    ws.write('runbooks/backup.md', runbook('title: Backup', step('s', 'true')));
    const unknown = cli(['check', 'lanch'], { cwd: ws.dir, env: ws.env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('error CL040: no checklist lanch (checklists: launch); did you mean `launch`?\n  hint: Give a path to a .md file, or the name of a checklist in checklists/ without .md.\n');
    const invalid = cli(['check', 'launch'], { cwd: ws.dir, env: ws.env });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^error CL012: checklists\/launch\.md is not a valid checklist \(1 error\); nothing was evaluated\n {2}checklists\/launch\.md:9:\d+: error CL012: /);
    expect(invalid.stderr).toContain('  hint: ');
    const runbookTypo = cli(['run', 'bakup'], { cwd: ws.dir, env: ws.env });
    expect(runbookTypo.code).toBe(2);
    expect(runbookTypo.stderr).toContain('error RB040: no runbook bakup (runbooks: backup); did you mean `backup`?');
  });

  it('help lists each option with a space before its description', () => {
    const ws = workspace();
    const help = cli(['run', '--help'], { cwd: ws.dir, env: ws.env }).stdout;
    expect(help).toMatch(/-p, --param <NAME=value> +Set a param/);
  });

  it('a zx block whose command fails shows the command and its exit code, not Node internals', () => {
    const ws = workspace();
    ws.write('z.md', runbook('title: Z', ['## fail', `${F}js run`, 'await $`ls /nonexistent-readybook-dir`;', F].join('\n')));
    const result = cli(['run', 'z.md', '--json'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(1);
    const end = result.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.type === 'step.end');
    expect(end.tail).toContain('command failed with exit code 2');
    expect(end.tail).not.toMatch(/node:internal|at ChildProcess|core\.cjs/);
    expect(end.error).toBe('the run block exited with code 2');
  });

  it('adr new --dir keeps an absolute path absolute', () => {
    const ws = workspace();
    const dir = join(ws.dir, 'abs', 'decisions');
    const result = cli(['adr', 'new', 'Use a thing', '--dir', dir], { cwd: join(ws.dir), env: ws.env });
    expect(result.code, result.stderr).toBe(0);
    expect(resolve(ws.dir, result.stdout.trim())).toBe(join(dir, '0001-use-a-thing.md'));
  });
});

describe('resume right after kill -9', () => {
  it('is not refused as locked while the killed engine is still a zombie', async () => {
    const ws = workspace();
    ws.write('z.md', runbook('title: Z', step('a', 'true'), step('b', 'touch started; [ -e go ] || sleep 60')));
    // A parent that does not reap its child keeps the killed engine a zombie for as long as it sleeps.
    const parent = spawn('python3', ['-c', `import os, sys, time\npid = os.fork()\nif pid == 0:\n    os.execv(sys.argv[1], sys.argv[1:])\nopen('engine.pid', 'w').write(str(pid))\ntime.sleep(30)`, NODE, BIN, 'run', 'z.md'], { cwd: ws.dir, env: ws.env, stdio: 'ignore' });
    try {
      await until(() => existsSync(join(ws.dir, 'engine.pid')) && existsSync(join(ws.dir, 'started')));
      const pid = Number(readFileSync(join(ws.dir, 'engine.pid'), 'utf8'));
      process.kill(pid, 'SIGKILL');
      await until(() => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] === 'Z');
      writeFileSync(join(ws.dir, 'go'), '');
      const runId = journalOf(ws.home)[0]?.runId as string;
      const resumed = cli(['resume', runId], { cwd: ws.dir, env: ws.env });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0]).toBe('Z'); // still a zombie: the lock was judged dead
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe('every exit code in the table is one the CLI really gives', () => {
  const seen = new Map<number, string>();
  const ws = workspace();
  const expectExit = (code: number, why: string, args: string[], env = ws.env) => {
    const result = cli(args, { cwd: ws.dir, env });
    expect(result.code, `${why}\n${result.stdout}${result.stderr}`).toBe(code);
    seen.set(code, why);
    return result;
  };

  it('0, 1, 2, 3, 5: passed, rolled back, invalid, rollback failed, not rolled back', () => {
    ws.write('ok.md', runbook('title: OK', step('s', 'true')));
    ws.write('fail.md', runbook('title: Fail', step('s', 'exit 1')));
    ws.write('rf.md', runbook('title: RF', [step('a', 'true'), '```sh rollback', 'exit 9', '```'].join('\n'), step('b', 'exit 1')));
    expectExit(0, 'passed', ['run', 'ok.md']);
    expectExit(1, 'failed, rolled back', ['run', 'fail.md']);
    expectExit(2, 'invalid', ['run', 'nope.md']);
    expectExit(3, 'rollback failed', ['run', 'rf.md']);
    expectExit(5, 'failed, --no-rollback', ['run', 'fail.md', '--no-rollback']);
  });

  it('2 with a hint when READYBOOK_HOME is a file, and for a damaged journal', () => {
    ws.write('ok.md', runbook('title: OK', step('s', 'true')));
    const file = ws.write('home-file', 'not a folder');
    const home = expectExit(2, 'home is a file', ['run', 'ok.md'], { ...ws.env, READYBOOK_HOME: file });
    expect(home.stderr).toContain('error RB061');
    expect(home.stderr).toContain('hint: READYBOOK_HOME must name a folder');
    // A run whose journal lost its first line.
    const damaged = join(ws.home, 'runs', '20261124T111502Z-ok-abcdef');
    mkdirSync(damaged, { recursive: true });
    writeFileSync(join(damaged, 'journal.jsonl'), '{"type":"step.start","step":{"index":1,"title":"s"},"manual":false}\n');
    const report = expectExit(2, 'damaged journal', ['report', '20261124T111502Z-ok-abcdef']);
    expect(report.stderr).toContain('error RB046');
    expect(cli(['resume', '20261124T111502Z-ok-abcdef'], { cwd: ws.dir, env: ws.env }).code).toBe(2);
  });

  it('4 when locked, 130 when interrupted', async () => {
    ws.write('wait.md', runbook('title: Wait', step('w', 'touch started-wait; sleep 30')));
    const first = startIn('json', ['run', 'wait.md'], { cwd: ws.dir, env: ws.env });
    await until(() => {
      try {
        readFileSync(join(ws.dir, 'started-wait'));
        return true;
      } catch {
        return false;
      }
    });
    const locked = expectExit(4, 'locked', ['run', 'wait.md']);
    expect(locked.stderr).toContain('error RB050');
    // A run still going is listed as running, not interrupted.
    expect(JSON.parse(cli(['runs', '--json'], { cwd: ws.dir, env: ws.env }).stdout).find((r: { runbook: string }) => r.runbook === 'wait')).toMatchObject({ status: 'running' });
    first.signal('SIGINT');
    expect((await first.done).code).toBe(130);
    seen.set(130, 'interrupted');
  });

  it('70 when a run cannot finish: the unfinished run is journaled as internal-error', () => {
    // The engine's own guard, driven directly: a manual step whose prompt never answers and holds
    // nothing else, so the event loop drains mid-run — the bug class behind "timeouts exit 0".
    const script = `
      import { execute, parseRunbook } from ${JSON.stringify(resolve(import.meta.dirname, '../dist/index.js'))};
      const { runbook } = parseRunbook('---\\ntitle: Stuck\\n---\\n## wait\\nA person does this.\\n', 'stuck.md');
      await execute({ runbook, path: ${JSON.stringify(join(ws.dir, 'stuck.md'))}, params: [], cwd: ${JSON.stringify(ws.dir)}, home: ${JSON.stringify(ws.home)},
        env: process.env, yes: false, noRollback: false, confirm: () => new Promise(() => {}), onEvent: () => {} });
      console.log('unreachable');
    `;
    const result = spawnSync(NODE, ['--input-type=module', '-e', script], { encoding: 'utf8', env: ws.env });
    expect(result.status, result.stderr).toBe(70);
    expect(result.stdout).not.toContain('unreachable');
    seen.set(70, 'internal');
    const runs = cli(['runs', '--json'], { cwd: ws.dir, env: ws.env });
    const stuck = JSON.parse(runs.stdout).find((r: { runbook: string }) => r.runbook === 'stuck');
    expect(stuck).toMatchObject({ status: 'internal-error', exitCode: 70 });
  });

  it('70 when the engine fails mid-block: the run is journaled as internal-error and the block is stopped', () => {
    ws.write('crash.md', runbook('title: Crash', step('work', 'echo $$ > blk.pid; echo tick; sleep 30')));
    // A presenter that throws on the first line of output: an exception nobody catches, mid-block.
    const script = `
      import { execute, parseRunbookFile } from ${JSON.stringify(resolve(import.meta.dirname, '../dist/index.js'))};
      const { runbook } = parseRunbookFile(${JSON.stringify(join(ws.dir, 'crash.md'))}, 'crash.md');
      await execute({ runbook, path: ${JSON.stringify(join(ws.dir, 'crash.md'))}, params: [], cwd: ${JSON.stringify(ws.dir)}, home: ${JSON.stringify(ws.home)},
        env: process.env, yes: true, noRollback: false, fullOutput: true, liveOutput: true, confirm: async () => 'yes',
        onEvent: (e) => { if (e.type === 'step.output') throw new Error('presenter broke'); } });
    `;
    const result = spawnSync(NODE, ['--input-type=module', '-e', script], { encoding: 'utf8', env: ws.env, timeout: 60_000 });
    expect(result.status, result.stderr).toBe(70);
    const crash = JSON.parse(cli(['runs', '--json', '--runbook', 'crash'], { cwd: ws.dir, env: ws.env }).stdout)[0];
    expect(crash).toMatchObject({ status: 'internal-error', exitCode: 70 });
    const pid = Number(readFileSync(join(ws.dir, 'blk.pid'), 'utf8'));
    const state = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] : 'gone';
    expect(['gone', 'Z', 'X']).toContain(state);
  });

  it('covers the whole table', () => {
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(EXIT_CODES.map((e) => e.code).sort((a, b) => a - b));
  });
});
