import type { CommandContext } from '../main.js';
import { EXIT, ReadybookError } from '../../errors.js';
import { readybookHome } from '../../record/home.js';
import { listFileLocks } from '../../run/lock.js';
import { storeConfig } from '../../store/config.js';
import { storeTimeoutMs } from '../../store/client.js';
import { listStoreLocks } from '../../store/locks.js';
import { makeStyle, table } from '../present/style.js';

interface Held {
  name: string;
  runId: string;
  runbook: string;
  operator: string | null;
  host: string;
  pid: number;
  since: string;
  /** `home`: a lock file of this READYBOOK_HOME; `store`: an advisory lock in READYBOOK_STORE. */
  where: 'home' | 'store';
}

/**
 * `readybook locks`: the locks held now. A run with a store holds both its file locks and its store
 * locks; it is listed once, from the store (which names its operator). Exit 0 whether or not any is held.
 */
export default async function locks({ args, cwd, env }: CommandContext): Promise<number> {
  const home = readybookHome(cwd, env);
  const config = storeConfig(env);
  const held: Held[] = [];
  if (config) {
    try {
      for (const l of await listStoreLocks(config, { timeoutMs: storeTimeoutMs(env) })) held.push({ name: l.name, runId: l.runId, runbook: l.runbook, operator: l.operator, host: l.host, pid: l.pid, since: l.startedAt, where: 'store' });
    } catch (error) {
      if (!(error instanceof ReadybookError) || error.code !== 'RB053') throw error;
      process.stderr.write(`warning ${error.code}: ${error.message}; only the locks of ${home} are listed\n`);
    }
  }
  const inStore = new Set(held.map((h) => `${h.name} ${h.runId}`));
  for (const l of listFileLocks(home)) {
    if (!inStore.has(`${l.name} ${l.runId}`)) held.push({ name: l.name, runId: l.runId, runbook: l.runbook, operator: null, host: l.host, pid: l.pid, since: l.startedAt, where: 'home' });
  }
  held.sort((a, b) => a.name.localeCompare(b.name));
  if (args.json === true) {
    process.stdout.write(`${JSON.stringify({ home, ...(config ? { store: config.label } : {}), locks: held })}\n`);
    return EXIT.passed;
  }
  if (held.length === 0) {
    process.stdout.write(`No lock is held in ${home}${config ? ` nor in the store ${config.label}` : ''}.\n`);
    return EXIT.passed;
  }
  const style = makeStyle(process.stdout);
  const rows = held.map((h) => [h.name, h.runId, h.operator ?? '—', `${h.host} (pid ${h.pid})`, `${h.since.replace('T', ' ').slice(0, 19)} UTC`, h.where]);
  process.stdout.write(`${table([['lock', 'held by run', 'operator', 'host', 'since', 'where'], ...rows], style)}\n`);
  return EXIT.passed;
}
