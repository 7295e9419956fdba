import type { CommandContext } from '../main.js';
import { EXIT, ReadybookError } from '../../errors.js';
import { readybookHome } from '../../record/home.js';
import { storeConfig } from '../../store/config.js';
import { storeTimeoutMs } from '../../store/client.js';
import { syncHome } from '../../store/history.js';

/** `readybook sync`: sends what runs of this home still owe the store; exit 0 when nothing is owed any more. */
export default async function sync({ args, cwd, env }: CommandContext): Promise<number> {
  const config = storeConfig(env);
  if (!config) throw new ReadybookError('RB060', 'readybook sync needs a store, and READYBOOK_STORE is not set', { hint: 'Set READYBOOK_STORE to the PostgreSQL connection string of the store (its password is never printed).' });
  const home = readybookHome(cwd, env);
  const sent = await syncHome(config, home, { timeoutMs: storeTimeoutMs(env) });
  if (args.json === true) {
    process.stdout.write(`${JSON.stringify({ store: config.label, runs: sent })}\n`);
    return EXIT.passed;
  }
  if (sent.length === 0) {
    process.stdout.write(`Nothing to send: the store ${config.label} has every run of ${home}.\n`);
    return EXIT.passed;
  }
  for (const run of sent) process.stdout.write(`${run.runId}: sent ${run.sent} event${run.sent === 1 ? '' : 's'}${run.finished ? ' and its report' : ' (still unfinished: its engine sends the rest)'}\n`);
  process.stdout.write(`Sent ${sent.length} run${sent.length === 1 ? '' : 's'} to the store ${config.label}.\n`);
  return EXIT.passed;
}
