import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';

const SANDBOX_SH = join(REPO, 'packages/sandbox/bin/sandbox.sh');
const sh = (args: string[], env: Record<string, string> = {}) =>
  spawnSync('bash', [SANDBOX_SH, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

const parent = mkdtempSync(join(tmpdir(), 'readybook-sandbox-sh-'));
const dir = join(parent, 'sb');
afterAll(() => {
  sh(['down', dir]);
  rmSync(parent, { recursive: true, force: true });
});

describe('sandbox.sh', () => {
  it('says clearly when the PostgreSQL tools are missing, exit code 3, and creates nothing', () => {
    const result = sh(['up', dir], { SANDBOX_PG_BINDIR: join(parent, 'no-postgres-here') });
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/has no initdb and pg_ctl/);
    expect(existsSync(dir)).toBe(false);
  });

  it('brings a sandbox up, is idempotent, and writes a sourceable env', () => {
    expect(sh(['up', dir]).status).toBe(0);
    const again = sh(['up', dir]);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/already up/);

    const env = readFileSync(join(dir, 'env'), 'utf8');
    for (const key of ['PGHOST=127.0.0.1', 'PGUSER=postgres', 'PGDATABASE=app', `SANDBOX_DIR=${dir}`]) expect(env).toContain(key);
    expect(env).toMatch(/PGPORT=\d+/);
    expect(env).toMatch(/SERVICE_PORT=\d+/);

    const query = spawnSync('bash', ['-c', `. "${dir}/env" && "$SANDBOX_PGBIN/psql" -X -At -c "SELECT current_database() || ' ' || host(inet_server_addr())"`], { encoding: 'utf8' });
    expect(query.stdout.trim()).toBe('app 127.0.0.1');
    expect(sh(['status', dir]).stdout).toMatch(/postgres: +running/);
  });

  it('builds releases, switches, serves and smoke-tests through its scripts', () => {
    const env = { SANDBOX_DIR: dir };
    for (const args of [['build-release', 'v1'], ['migrate', 'v1'], ['switch', 'v1'], ['start'], ['health', '20'], ['smoke']]) {
      const result = sh(args, env);
      expect(result.status, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    }
    expect(JSON.parse(readFileSync(join(dir, 'releases/v1/release.json'), 'utf8')).version).toBe('v1');
    expect(statSync(join(dir, 'service.pid')).isFile()).toBe(true);

    expect(sh(['build-release', 'broken'], env).status).toBe(0);
    expect(sh(['migrate', 'broken'], env).status).toBe(0);
    expect(sh(['switch', 'broken'], env).status).toBe(0);
    expect(sh(['restart'], env).status).toBe(0);
    expect(sh(['health', '20'], env).status).toBe(0);
    const smoke = sh(['smoke'], env);
    expect(smoke.status).toBe(1);
    expect(smoke.stderr).toMatch(/smoke test failed: GET \/items/);
  });

  it('tears everything down, the cluster directory outside DIR included', () => {
    const env = readFileSync(join(dir, 'env'), 'utf8');
    const pgRoot = /SANDBOX_PGROOT=(\S+)/.exec(env)![1]!;
    const result = sh(['down', dir]);
    expect(result.status).toBe(0);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(pgRoot)).toBe(false);
    expect(sh(['status', dir]).status).toBe(1);
  });
});
