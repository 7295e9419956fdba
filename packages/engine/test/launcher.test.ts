import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envDelta } from '../src/run/launcher.js';
import { cli, cliAsync, events, fence as F, onlyRunDir, runbook, workspace } from './helpers.js';

/**
 * Blocks are started by a small bash launcher when nothing needs masking, and by the engine itself
 * (zx) when secrets do or READYBOOK_LAUNCHER=0. Both paths must give a block the same world.
 */
const MODES = [
  { name: 'through the launcher', env: {} },
  { name: 'started by the engine (READYBOOK_LAUNCHER=0)', env: { READYBOOK_LAUNCHER: '0' } },
] as const;

describe('envDelta', () => {
  it('sends only what differs, unsets what is gone, and resets SHLVL', () => {
    const delta = envDelta({ A: '1', B: '2', SHLVL: '3' }, { A: '1', C: 'x\ny', SHLVL: '3' });
    expect(delta.split('\0').filter(Boolean)).toEqual(['C=x\ny', '-B', 'SHLVL=3']);
    expect(envDelta({}, {}).split('\0').filter(Boolean)).toEqual(['-SHLVL']);
  });
});

for (const mode of MODES) {
  describe(`blocks ${mode.name}`, () => {
    const setup = () => {
      const ws = workspace();
      return { ...ws, env: { ...ws.env, ...mode.env } };
    };

    it('see params (newlines, quotes, $( ) and all) byte for byte, outputs, and READYBOOK_* facts', () => {
      const ws = setup();
      const hostile = "a'b\"c $(touch pwned) `touch pwned`\nline two; touch pwned";
      ws.write(
        'env.md',
        runbook(
          'title: Env\nparams:\n  V: { required: true }\n  UNSET_ME: { required: false }',
          ['## one', `${F}sh run`, 'printf "%s" "$V" > v.txt', 'echo "NEXT=from one" >> "$READYBOOK_OUTPUT"', F].join('\n'),
          ['## two', `${F}sh run`, 'test "$NEXT" = "from one"', 'test -z "${UNSET_ME+set}"', 'echo "$READYBOOK_STEP $SHLVL" > facts.txt', 'test -d "$READYBOOK_RUN_DIR"', F].join('\n'),
        ),
      );
      const r = cli(['run', 'env.md', '--param', `V=${hostile}`], { cwd: ws.dir, env: { ...ws.env, UNSET_ME: undefined, SHLVL: '1' } });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(readFileSync(join(ws.dir, 'v.txt'), 'utf8')).toBe(hostile);
      expect(existsSync(join(ws.dir, 'pwned'))).toBe(false);
      // A block's bash sees the SHLVL it would see if the engine had started it itself.
      expect(readFileSync(join(ws.dir, 'facts.txt'), 'utf8').trim()).toBe('2 2');
      // Nothing of the block's environment is left in the run directory.
      expect(readdirSync(onlyRunDir(ws.home)).filter((f) => f.endsWith('.env'))).toEqual([]);
    });

    it('runs each block in a process group of its own, with no stdin and both streams in the log', () => {
      const ws = setup();
      ws.write('pg.md', runbook('title: PG', ['## who', `${F}sh run`, 'echo "pgid=$(ps -o pgid= -p $$ | tr -d " ") pid=$$"', 'echo oops >&2', 'if read -r line; then echo "read: $line"; else echo "stdin empty"; fi', F].join('\n')));
      const r = cli(['run', 'pg.md'], { cwd: ws.dir, env: ws.env, input: 'typed by the operator\n' });
      expect(r.code).toBe(0);
      const log = readFileSync(join(onlyRunDir(ws.home), 'step-01-run.log'), 'utf8');
      const m = /pgid=(\d+) pid=(\d+)/.exec(log) as RegExpExecArray;
      expect(m[1]).toBe(m[2]);
      expect(log).toContain('oops');
      expect(log).toContain('stdin empty');
    });

    it('runs js blocks, and reports a failing exit code', () => {
      const ws = setup();
      ws.write('js.md', runbook('title: JS', ['## js', `${F}js run`, 'output("N", String(6 * 7));', F].join('\n'), ['## fail', `${F}sh run`, 'exit 7', F].join('\n')));
      const r = cli(['run', 'js.md', '--json'], { cwd: ws.dir, env: ws.env });
      expect(r.code).toBe(1);
      const ends = events(r.stdout).filter((e) => e.type === 'step.end');
      expect(ends.map((e) => [e.status, e.exitCode])).toEqual([['passed', 0], ['failed', 7]]);
      expect(ends[1]?.error).toBe('the run block exited with code 7');
      expect(events(r.stdout).at(-1)?.outputs).toEqual({ N: '42' });
    });

    it('a timeout kills the whole process group and names the signal', () => {
      const ws = setup();
      ws.write('slow.md', runbook('title: Slow', ['## hang', `${F}sh run timeout=1s`, '(sleep 300; echo escaped > escaped.txt) &', 'sleep 300', F].join('\n')));
      const r = cli(['run', 'slow.md', '--json'], { cwd: ws.dir, env: ws.env });
      expect(r.code).toBe(1);
      const end = events(r.stdout).find((e) => e.type === 'step.end');
      expect(end).toMatchObject({ status: 'failed', phase: 'timeout', exitCode: null });
    });
  });
}

describe('the launcher', () => {
  it('a block records its own pid and start time before its first line runs (so resume can stop it)', () => {
    const ws = workspace();
    ws.write('rec.md', runbook('title: Rec', ['## first', `${F}sh run`, 'cp "$READYBOOK_RUN_DIR/running.json" seen.json', 'echo "$$ $(cut -d" " -f22 /proc/$$/stat)" > me.txt', F].join('\n')));
    expect(cli(['run', 'rec.md'], { cwd: ws.dir, env: ws.env }).code).toBe(0);
    const [pid, start] = readFileSync(join(ws.dir, 'me.txt'), 'utf8').trim().split(' ');
    expect(JSON.parse(readFileSync(join(ws.dir, 'seen.json'), 'utf8'))).toEqual({ pid: Number(pid), start, step: 1, role: 'run' });
    expect(existsSync(join(onlyRunDir(ws.home), 'running.json'))).toBe(false);
  });

  it('is not used when a secret must be masked, so every byte passes the masker', () => {
    const ws = workspace();
    ws.write('s.md', runbook('title: S\nparams:\n  T: { secret: true, required: true }', ['## leak', `${F}sh run`, 'echo "$T"; echo "$T" >&2', F].join('\n')));
    const r = cli(['run', 's.md', '--param', 'T=canary-93ab'], { cwd: ws.dir, env: ws.env });
    expect(r.code).toBe(0);
    expect(readFileSync(join(onlyRunDir(ws.home), 'step-01-run.log'), 'utf8')).toBe('***\n***\n');
  });

  it('a run directory with a tab, a newline or quotes in its path works (it is passed as an argument, never on a request line)', () => {
    const ws = workspace();
    const home = join(ws.dir, "home\twith tab\nand 'quotes' $(touch pwned)");
    ws.write('t.md', runbook('title: T', ['## one', `${F}sh run`, 'echo fine', 'echo "OK=yes" >> "$READYBOOK_OUTPUT"', F].join('\n')));
    const r = cli(['run', 't.md', '--json'], { cwd: ws.dir, env: { ...ws.env, READYBOOK_HOME: home } });
    expect(r.code).toBe(0);
    expect(events(r.stdout).at(-1)?.outputs).toEqual({ OK: 'yes' });
    expect(readFileSync(join(onlyRunDir(home), 'step-01-run.log'), 'utf8')).toBe('fine\n');
    expect(existsSync(join(ws.dir, 'pwned'))).toBe(false);
  });

  it('a launcher that dies as a block starts never makes the block run twice', () => {
    const ws = workspace();
    ws.write('twice.md', runbook('title: Twice', ['## once', `${F}sh run`, 'echo ran >> count.txt', 'kill -9 $PPID', 'sleep 0.3', F].join('\n')));
    const r = cli(['run', 'twice.md', '--json'], { cwd: ws.dir, env: ws.env });
    expect(r.code).toBe(1);
    expect(events(r.stdout).find((e) => e.type === 'step.end')?.error).toMatch(/the block launcher exited while the block ran/);
    expect(readFileSync(join(ws.dir, 'count.txt'), 'utf8')).toBe('ran\n');
  });

  it('a launcher killed while a block runs fails the step with a sentence and stops the block', async () => {
    const ws = workspace();
    ws.write(
      'k.md',
      runbook(
        'title: K',
        ['## victim', `${F}sh run`, 'echo $PPID > launcher.pid', 'sleep 300 &', 'echo $! > child.pid', 'wait', F, `${F}sh rollback`, 'echo rolled > rolled.txt', F].join('\n'),
      ),
    );
    const run = cliAsync(['run', 'k.md', '--json'], { cwd: ws.dir, env: ws.env });
    const pidFile = join(ws.dir, 'child.pid');
    for (let i = 0; i < 100 && !existsSync(pidFile); i += 1) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 100));
    process.kill(Number(readFileSync(join(ws.dir, 'launcher.pid'), 'utf8')), 'SIGKILL');
    const r = await run.done;
    expect(r.code).toBe(1);
    const end = events(r.stdout).find((e) => e.type === 'step.end');
    expect(end?.error).toMatch(/the block launcher exited while the block ran/);
    expect(existsSync(join(ws.dir, 'rolled.txt'))).toBe(true);
    const child = Number(readFileSync(pidFile, 'utf8'));
    const state = existsSync(`/proc/${child}/stat`) ? readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]?.[0] : 'gone';
    expect(['gone', 'Z', 'X']).toContain(state);
    writeFileSync(join(ws.dir, 'done'), '');
  });
});
