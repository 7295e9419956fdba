/**
 * Injection and paths: hostile param values reach steps as data, never as code; runbook and run
 * ids cannot walk out of their folders; a symlink in runbooks/ cannot smuggle in a file from
 * elsewhere; run directories are private. Sentinel files prove nothing unintended ran.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { record } from '../src/figures.js';
import { BIN, cli, fence, hasStackTrace, NODE, pool, readTree, runbook, runDirs, workspace } from '../src/harness.js';

let attempts = 0;

/** A folder outside every workspace, holding the sentinel an injection would create. */
const outside = mkdtempSync(join(tmpdir(), 'rb-outside-'));
const SENTINEL = join(outside, 'pwned');

const HOSTILE = [
  `; touch ${SENTINEL}`,
  `$(touch ${SENTINEL})`,
  `\`touch ${SENTINEL}\``,
  `x\ntouch ${SENTINEL}\n`,
  `"; touch ${SENTINEL}; echo "`,
  `'; touch ${SENTINEL}; echo '`,
  `\${IFS}touch\${IFS}${SENTINEL}`,
  `| touch ${SENTINEL}`,
  `&& touch ${SENTINEL}`,
  `--help`,
  `-e`,
  `*`,
  `../../../../etc/passwd`,
  `${`\u202e\u0000`.slice(0, 1)}rtl`,
  'ünïcødé ✓ 🚀',
  '   leading and trailing   ',
  '',
];

const ECHO = runbook(
  ['title: Echo a value', 'params:', '  VALUE:', '    type: string', '    default: ""'].join('\n'),
  `## Write it with bash\n\n${fence}sh run\nprintf '%s' "$VALUE" > bash.out\necho "VALUE=$VALUE"\n${fence}\n`,
  `## Write it with zx\n\n${fence}js run\nawait $\`printf %s \${params.VALUE ?? ''} > zx.out\`;\nawait fs.writeFile('js.out', params.VALUE ?? '');\n${fence}\n`,
  `## Pass it on as an output\n\n${fence}sh run\nprintf 'COPY=%s\\n' "$(printf '%s' "$VALUE" | tr '\\n' ' ')" >> "$READYBOOK_OUTPUT"\n${fence}\n\n${fence}sh verify\ntest -n "\${COPY+set}"\n${fence}\n`,
);

describe('hostile param values are data', () => {
  it(`${HOSTILE.length} values with ; $( ) backticks newlines quotes … reach bash and zx byte for byte and run nothing`, async () => {
    await pool(HOSTILE, 3, async (value) => {
      const label = JSON.stringify(value);
      const ws = workspace('rb-inject-');
      ws.write('echo.md', ECHO);
      const r = await cli(['run', 'echo.md', '--json', '--param', `VALUE=${value}`], { cwd: ws.dir, env: ws.env });
      attempts += 1;
      expect(r.code, `${label}: ${r.stderr}`).toBe(0);
      expect(ws.read('bash.out'), label).toBe(value);
      expect(ws.read('js.out'), label).toBe(value);
      expect(ws.read('zx.out'), label).toBe(value);
      expect(existsSync(SENTINEL), `${label} executed`).toBe(false);
      const plan = await cli(['plan', 'echo.md', '--json', '--param', `VALUE=${value}`], { cwd: ws.dir, env: ws.env });
      expect(plan.code, label).toBe(0);
      expect(existsSync(SENTINEL)).toBe(false);
    });
  });

  it('refuses hostile param names and malformed --param flags with exit 2', async () => {
    const ws = workspace('rb-inject-');
    ws.write('echo.md', ECHO);
    for (const flag of [`A;touch ${SENTINEL}=1`, `$(touch ${SENTINEL})=1`, '=value', 'VALUE', 'PATH=/tmp', 'READYBOOK_RUN_DIR=/']) {
      const r = await cli(['run', 'echo.md', '--param', flag], { cwd: ws.dir, env: ws.env });
      attempts += 1;
      expect(r.code, `${flag}: ${r.stderr}`).toBe(2);
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
    expect(existsSync(SENTINEL)).toBe(false);
    expect(runDirs(ws.home)).toEqual([]);
  });

  it('NUL cannot be passed: the OS refuses it before readybook starts', () => {
    // execve takes C strings; a NUL in an argument or environment value is rejected by Node itself.
    expect(() => spawnSync('true', ['VALUE=a\0b'])).toThrow(/null bytes/);
  });
});

describe('paths', () => {
  function repo() {
    const ws = workspace('rb-paths-');
    const evil = join(outside, `evil-${Math.random().toString(36).slice(2)}.md`);
    writeFileSync(evil, runbook('title: Evil', `## Touch\n\n${fence}sh run\ntouch ${SENTINEL}\n${fence}\n`));
    mkdirSync(join(ws.dir, 'runbooks'));
    ws.write('runbooks/ok.md', runbook('title: Ok', `## One\n\n${fence}sh run\necho ok\n${fence}\n`));
    symlinkSync(evil, join(ws.dir, 'runbooks/evil.md'));
    symlinkSync(join(ws.dir, 'runbooks/loop.md'), join(ws.dir, 'runbooks/loop.md'));
    symlinkSync(join(ws.dir, 'runbooks/ok.md'), join(ws.dir, 'runbooks/alias.md'));
    return ws;
  }

  it('a symlink in runbooks/ to a file outside is refused by name, by validate and by plan', async () => {
    const ws = repo();
    for (const args of [['run', 'evil', '--yes'], ['plan', 'evil'], ['resume', 'evil']]) {
      const r = await cli(args, { cwd: ws.dir, env: ws.env });
      attempts += 1;
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
    const all = await cli(['validate'], { cwd: ws.dir, env: ws.env });
    expect(all.code).toBe(2);
    expect(all.stderr).toMatch(/runbooks\/evil\.md:\d+:\d+: error .*outside/);
    expect(all.stderr).toMatch(/runbooks\/loop\.md:\d+:\d+: error/);
    expect(hasStackTrace(all.stderr)).toBe(false);
    expect(existsSync(SENTINEL)).toBe(false);
    // A link that stays inside the folder is fine.
    expect((await cli(['run', 'alias'], { cwd: ws.dir, env: ws.env })).code).toBe(0);
  });

  it('runbook names, run ids and checklist names with ../ cannot leave their folders', async () => {
    const ws = repo();
    writeFileSync(join(ws.dir, 'runbooks/ok.md'), readFileSync(join(ws.dir, 'runbooks/ok.md')));
    const cases: string[][] = [
      ['run', '..'],
      ['run', '..%2f..%2fetc'],
      ['run', 'ok/../../../etc/passwd'],
      ['plan', '....//evil'],
      ['run', `${'evil\0'.slice(0, 4)}.`],
      ['report', '../../../etc'],
      ['report', '../runs/x'],
      ['resume', '..'],
      ['resume', '/etc/passwd'],
      ['evidence', 'add', '../../x'],
      ['check', '../../../../etc/hostname'],
      ['check', '..'],
    ];
    for (const args of cases) {
      const r = await cli(args, { cwd: ws.dir, env: ws.env });
      attempts += 1;
      expect([2], `${args.join(' ')}: exit ${r.code} ${r.stderr}`).toContain(r.code);
      expect(hasStackTrace(r.stderr), `${args.join(' ')}: ${r.stderr}`).toBe(false);
      expect(r.stdout + r.stderr).not.toMatch(/root:x:0:0/);
    }
    expect(existsSync(SENTINEL)).toBe(false);
  });

  it('creates run directories 0700 and their files 0600, whatever the umask', async () => {
    const ws = repo();
    // umask 0 would make a plain mkdir 0777: the engine must ask for 0700 itself.
    const r = spawnSync('sh', ['-c', 'umask 000; exec "$0" "$@"', NODE, BIN, 'run', 'ok'], { cwd: ws.dir, env: ws.env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    for (const dir of [ws.home, join(ws.home, 'runs'), join(ws.home, 'locks'), ...runDirs(ws.home)]) {
      expect((statSync(dir).mode & 0o777).toString(8), dir).toBe('700');
    }
    for (const file of readTree(join(ws.home, 'runs'))) {
      expect(statSync(file.path).mode & 0o077, `${file.path} is readable by others`).toBe(0);
    }
  });
});

afterAll(() => {
  record('injection', { injectionAttempts: attempts, injectionsExecuted: existsSync(SENTINEL) ? 1 : 0 });
});
