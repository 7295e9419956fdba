import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { readSandboxEnv } from '../../sandbox/test/env-file.js';

const SANDBOX_SH = resolve(import.meta.dirname, '../../sandbox/bin/sandbox.sh');

/**
 * The PostgreSQL server tools, found as sandbox.sh finds them (SANDBOX_PG_BINDIR, PATH, pg_config,
 * /usr/lib/postgresql/N/bin). Undefined only when they are not installed: the store tests then skip.
 */
export function pgBinDir(): string | undefined {
  const has = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));
  if (process.env.SANDBOX_PG_BINDIR) return has(process.env.SANDBOX_PG_BINDIR) ? process.env.SANDBOX_PG_BINDIR : undefined;
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && has(dir)) return dir;
  const config = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (config.status === 0 && has(config.stdout.trim())) return config.stdout.trim();
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  for (const version of readdirSync(root).sort((a, b) => Number(b) - Number(a))) if (has(join(root, version, 'bin'))) return join(root, version, 'bin');
  return undefined;
}

export const STORE_PASSWORD = 'pw-S3cret-only-in-the-url';

export interface TestStore {
  /** postgresql://readybook:<password>@127.0.0.1:<port>/readybook */
  url: string;
  query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[], database?: string): Promise<T[]>;
  /** Makes `role` log in with its password on loopback (the sandbox trusts every local login), then reloads. */
  requirePassword(role: string): Promise<void>;
  /** Stops PostgreSQL (fast shutdown: every connection is closed) and starts it again. */
  stop(): void;
  start(): void;
  down(): void;
}

/**
 * A throwaway PostgreSQL cluster for the store, started by the sandbox's own script (SANDBOX_LB=off:
 * PostgreSQL and its demo service only), with a `readybook` role (password in the URL) owning a
 * `readybook` database: what a team's store looks like.
 */
export async function startStore(): Promise<TestStore> {
  const parent = mkdtempSync(join(tmpdir(), 'readybook-store-'));
  const dir = join(parent, 'sandbox');
  const env = { ...process.env, SANDBOX_LB: 'off', CI: '' };
  const up = () => {
    const result = spawnSync('bash', [SANDBOX_SH, 'up', dir], { encoding: 'utf8', env });
    if (result.status !== 0) throw new Error(`sandbox.sh up failed (${result.status}): ${result.stderr}`);
  };
  up();
  const vars = readSandboxEnv(dir);
  const port = Number(vars.PGPORT);
  const admin = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'app') => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE ROLE readybook LOGIN PASSWORD '${STORE_PASSWORD}'`);
  await admin('CREATE DATABASE readybook OWNER readybook');
  const asRoot = process.getuid?.() === 0;
  const pgCtl = (args: string[]) => {
    const command = [join(vars.SANDBOX_PGBIN!, 'pg_ctl'), '-D', vars.SANDBOX_PGDATA!, ...args];
    const result = asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', ...command], { encoding: 'utf8' }) : spawnSync(command[0]!, command.slice(1), { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`pg_ctl ${args.join(' ')} failed: ${result.stderr}`);
  };
  return {
    url: `postgresql://readybook:${STORE_PASSWORD}@127.0.0.1:${port}/readybook`,
    query: (sql, params, database = 'readybook') => admin(sql, params, database),
    async requirePassword(role) {
      const hba = join(vars.SANDBOX_PGDATA!, 'pg_hba.conf');
      writeFileSync(hba, `host all ${role} 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`);
      await admin('SELECT pg_reload_conf()');
    },
    stop: () => pgCtl(['stop', '-m', 'fast', '-w']),
    start: up,
    down() {
      spawnSync('bash', [SANDBOX_SH, 'down', dir], { encoding: 'utf8', env });
      rmSync(parent, { recursive: true, force: true });
    },
  };
}
