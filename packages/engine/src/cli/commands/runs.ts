import { formatDuration } from '@readybook/schema';
import type { CommandContext } from '../main.js';
import { EXIT, ReadybookError } from '../../errors.js';
import { hostName } from '../../run/context.js';
import { readybookHome, runDir } from '../../record/home.js';
import { readJournal } from '../../record/journal.js';
import { processAlive } from '../../run/orphan.js';
import { listRunIds, loadReport } from '../../record/runs.js';
import { makeStyle, table } from '../present/style.js';
import { storeConfig } from '../../store/config.js';
import { storeTimeoutMs } from '../../store/client.js';
import { listStoreRuns, type StoreRun } from '../../store/read.js';

type Row = Pick<StoreRun, 'runId' | 'runbook' | 'exitCode' | 'startedAt' | 'durationMs' | 'operator' | 'host' | 'outputs'> & { status: string };

export default async function runs({ args, cwd, env }: CommandContext): Promise<number> {
  const home = readybookHome(cwd, env);
  const rawLimit = String(args.limit ?? '20');
  if (!/^[1-9]\d*$/.test(rawLimit)) throw new ReadybookError('RB060', `--limit must be a whole number of 1 or more, not ${JSON.stringify(rawLimit)}`, { hint: 'For example `readybook runs --limit 50`.' });
  const limit = Number(rawLimit);
  let rows: Row[] = [];
  for (const id of listRunIds(home)) {
    if (rows.length >= limit) break;
    try {
      const report = loadReport(home, id);
      if (args.runbook && report.runbook.id !== args.runbook) continue;
      rows.push(report.exitCode === null && stillRunning(runDir(home, id)) ? { ...report, status: 'running' } : report);
    } catch {
      // A run directory without a readable journal is not listed.
    }
  }
  // With a store, its runs are listed too (runs made on other machines); this home's own copy of a run wins.
  const config = storeConfig(env);
  if (config) {
    let remote: StoreRun[] = [];
    try {
      remote = await listStoreRuns(config, { timeoutMs: storeTimeoutMs(env), limit, ...(typeof args.runbook === 'string' ? { runbook: args.runbook } : {}) });
    } catch (error) {
      // The home's own runs are still worth listing: say what is missing, and from where.
      if (!(error instanceof ReadybookError) || error.code !== 'RB053') throw error;
      process.stderr.write(`warning ${error.code}: ${error.message}; only the runs of ${home} are listed\n`);
    }
    const seen = new Set(rows.map((r) => r.runId));
    rows = [...rows, ...remote.filter((r) => !seen.has(r.runId))].sort((a, b) => (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0)).slice(0, limit);
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify(rows.map((r) => ({ runId: r.runId, runbook: r.runbook.id, status: r.status, exitCode: r.exitCode, startedAt: r.startedAt, durationMs: r.durationMs, operator: r.operator, host: r.host, outputs: r.outputs })))}\n`);
    return EXIT.passed;
  }
  if (rows.length === 0) {
    process.stdout.write(`No runs in ${home}${config ? ` nor in the store ${config.label}` : ''}.\n`);
    return EXIT.passed;
  }
  const style = makeStyle(process.stdout);
  const colour = (s: string) => (s === 'passed' ? style.green(s) : s === 'running' ? style.cyan(s) : s === 'rolled-back' || s === 'failed' ? style.yellow(s) : style.red(s));
  // With a store, runs come from many machines: say which.
  const head = ['run id', 'runbook', 'status', 'started', 'duration', 'operator', ...(config ? ['host'] : [])];
  const cells = (r: Row) => [r.runId, r.runbook.id, colour(r.status), `${r.startedAt.replace('T', ' ').slice(0, 19)} UTC`, r.durationMs === null ? '—' : formatDuration(r.durationMs), r.operator, ...(config ? [r.host] : [])];
  process.stdout.write(`${table([head, ...rows.map(cells)], style)}\n`);
  return EXIT.passed;
}

/** A run without a run.end whose engine (the last to start or resume it, on this host) still runs. */
function stillRunning(dir: string): boolean {
  try {
    const last = readJournal(dir).findLast((e) => e.type === 'run.start' || e.type === 'run.resume');
    if (!last || (last.type !== 'run.start' && last.type !== 'run.resume')) return false;
    return last.host === hostName() && processAlive(last.pid);
  } catch {
    return false;
  }
}
