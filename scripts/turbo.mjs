#!/usr/bin/env node
// `pnpm build` and `pnpm docs:build`: Turborepo, with the shared store's state in the docs build's hash.
// With READYBOOK_STORE the site shows the store's runs and evaluations (ADR 0024). Turborepo hashes files
// and named environment variables, not a database: without this, a build after runs made on other
// machines would be a cache hit and publish a site without them. This sets READYBOOK_STORE_STATE (an
// input of the docs build, apps/docs/turbo.json) to a digest of the store's runs and evaluations, then
// runs turbo with the arguments given (`pnpm docs:build --force` still rebuilds regardless).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function storeState() {
  if (!process.env.READYBOOK_STORE?.trim()) return 'none';
  const engine = join(root, 'packages/engine/dist/index.js');
  // Not built yet (a fresh clone's first build): nothing is cached either, so any value that never repeats.
  if (!existsSync(engine)) return `unbuilt-${Date.now()}`;
  const { readStoreState, storeConfig, storeTimeoutMs } = await import(pathToFileURL(engine).href);
  try {
    return await readStoreState(storeConfig(process.env), { timeoutMs: storeTimeoutMs(process.env) });
  } catch {
    // The build itself then reads the store and fails with the engine's message (RB053, password masked).
    return `unreachable-${Date.now()}`;
  }
}

const env = { ...process.env, READYBOOK_STORE_STATE: await storeState() };
const turbo = join(root, 'node_modules/.bin/turbo');
const child = spawn(turbo, process.argv.slice(2), { stdio: 'inherit', env });
// Ctrl-C reaches turbo too (one process group): wait for it to stop. A signal sent to this process alone is passed on.
process.on('SIGINT', () => {});
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  if (!signal) process.exit(code ?? 1);
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
});
