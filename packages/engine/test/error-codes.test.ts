/**
 * The error catalog is part of the product: every code in it is produced by a test, and the codes
 * that only a command can produce are produced here, through the real CLI, as a person (human output
 * piped) and a program (--json) would meet them. Each case asserts the code, the exit code of the
 * catalog and that no stack trace is printed.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../src/cli/spec.js';
import { ERRORS, type ErrorCode } from '../src/errors.js';
import { invalidChecklist } from '../src/checklist/load.js';
import { block, step } from './behaviour-helpers.js';
import { cli, onlyRunDir, runbook, workspace } from './helpers.js';

const REPO = resolve(import.meta.dirname, '../../..');

type Ws = ReturnType<typeof workspace>;

/** Each case names its command, makes its workspace and returns the arguments that must fail with its code. */
type Command = keyof typeof commands;
const CASES: Partial<Record<ErrorCode, [Command, (ws: Ws) => string[]]>> = {
  RB030: ['run', (ws) => {
    ws.write('p.md', runbook('title: P\nparams:\n  COUNT: { type: number, default: 1 }', step('one', block('run', 'true'))));
    return ['run', 'p.md', '--param', 'COUNT=many'];
  }],
  RB031: ['run', (ws) => {
    ws.write('p.md', runbook('title: P\nparams:\n  VERSION: { required: true }', step('one', block('run', 'true'))));
    return ['run', 'p.md'];
  }],
  RB032: ['run', (ws) => {
    ws.write('p.md', runbook('title: P', step('one', block('run', 'true'))));
    return ['run', 'p.md', '--param', 'NOPE=1'];
  }],
  RB041: ['resume', () => ['resume', '20260101T000000Z-nothing-abcdef']],
  RB042: ['resume', (ws) => {
    const path = ws.write('c.md', runbook('title: C', step('one', block('run', 'exit 1'))));
    cli(['run', 'c.md', '--no-rollback'], { cwd: ws.dir, env: ws.env });
    writeFileSync(path, runbook('title: C', step('one', block('run', 'echo changed; exit 1'))));
    return ['resume', relative(join(ws.home, 'runs'), onlyRunDir(ws.home))];
  }],
  RB043: ['resume', (ws) => {
    ws.write('ok.md', runbook('title: OK', step('one', block('run', 'true'))));
    cli(['run', 'ok.md'], { cwd: ws.dir, env: ws.env });
    return ['resume', relative(join(ws.home, 'runs'), onlyRunDir(ws.home))];
  }],
  RB044: ['run', (ws) => {
    ws.write('m.md', runbook('title: M', step('by hand', 'Flip the switch.')));
    return ['run', 'm.md'];
  }],
  RB045: ['run', (ws) => {
    ws.write('r.md', runbook('title: R\nrequires: [no-such-program-here]', step('one', block('run', 'true'))));
    return ['run', 'r.md'];
  }],
  RB060: ['run', () => ['run', 'a.md', '--no-such-option']],
  RB070: ['evidence', (ws) => {
    ws.write('ok.md', runbook('title: OK', step('one', block('run', 'true'))));
    cli(['run', 'ok.md'], { cwd: ws.dir, env: ws.env });
    const dir = onlyRunDir(ws.home);
    const journal = join(dir, 'journal.jsonl');
    writeFileSync(journal, readFileSync(journal, 'utf8').replace('"passed"', '"failed"'));
    return ['evidence', 'add', relative(join(ws.home, 'runs'), dir)];
  }],
  RB071: ['verify', () => ['verify', 'no-such-run-or-file']],
  RB072: ['check', (ws) => {
    mkdirSync(join(ws.dir, 'checklists'));
    ws.write('checklists/gate.md', '---\ntitle: Gate\ngate: g\nowner: o\n---\n## S\n- [ ] shell `command: true`\n');
    ws.write('not-a-key.pem', 'this is not a key\n');
    ws.env.READYBOOK_SIGNING_KEY = join(ws.dir, 'not-a-key.pem');
    return ['check', 'gate', '--release', 'v1'];
  }],
};

describe('every code in the error catalog', () => {
  it('is produced by at least one test: a test file, the bad-input corpus manifest or a case here', () => {
    const texts: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.(test|spec)\.ts$/.test(entry.name) || entry.name === 'expected-codes.json') texts.push(readFileSync(path, 'utf8'));
      }
    };
    for (const dir of ['packages', 'apps']) walk(join(REPO, dir));
    const tested = new Set(texts.join('\n').match(/\b(?:RB|CL|ADR)\d{3}\b/g));
    const untested = (Object.keys(ERRORS) as ErrorCode[]).filter((code) => !tested.has(code));
    expect(untested, 'codes no test produces').toEqual([]);
  });

  it('CL041 is the code of an invalid checklist whose parser gave no error to name', () => {
    expect(invalidChecklist('checklists/x.md', [])).toMatchObject({ code: 'CL041', exitCode: ERRORS.CL041.exit });
  });

  describe.each(['piped', 'json'] as const)('produced by the CLI, %s', (mode) => {
    // A command without --json (evidence, adr) has only the human presenter.
    const cases = (Object.keys(CASES) as ErrorCode[]).filter((code) => mode === 'piped' || 'json' in commands[CASES[code]![0]].args);
    it.each(cases)('%s', (code) => {
      const ws = workspace();
      const args = CASES[code]![1](ws);
      const r = cli(mode === 'json' ? [...args, '--json'] : args, { cwd: ws.dir, env: ws.env });
      expect(r.code, r.stderr).toBe(ERRORS[code].exit);
      expect(r.stderr).toMatch(new RegExp(`^error ${code}: \\S`, 'm'));
      expect(r.stderr).toMatch(/^ {2}hint: \S/m);
      expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
      if (mode === 'json') {
        const last = r.stdout.trim().split('\n').at(-1)!;
        expect(JSON.parse(last)).toMatchObject({ type: 'error', code, exitCode: ERRORS[code].exit, hint: expect.any(String) });
      }
    });
  });
});
