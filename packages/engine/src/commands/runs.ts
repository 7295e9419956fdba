import { formatDuration } from '@readybook/schema';
import type { CommandContext } from '../cli.js';
import { EXIT } from '../errors.js';
import { readybookHome } from '../home.js';
import { listRunIds, loadReport } from '../runs.js';
import { makeStyle, table } from '../style.js';

export default async function runs({ args, cwd, env }: CommandContext): Promise<number> {
  const home = readybookHome(cwd, env);
  const limit = Math.max(1, Number(args.limit ?? 20) || 20);
  const rows = [];
  for (const id of listRunIds(home)) {
    if (rows.length >= limit) break;
    try {
      const report = loadReport(home, id);
      if (args.runbook && report.runbook.id !== args.runbook) continue;
      rows.push(report);
    } catch {
      // A run directory without a readable journal is not listed.
    }
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify(rows.map((r) => ({ runId: r.runId, runbook: r.runbook.id, status: r.status, exitCode: r.exitCode, startedAt: r.startedAt, durationMs: r.durationMs, operator: r.operator, outputs: r.outputs })))}\n`);
    return EXIT.passed;
  }
  if (rows.length === 0) {
    process.stdout.write(`No runs in ${home}.\n`);
    return EXIT.passed;
  }
  const style = makeStyle(process.stdout);
  const colour = (s: string) => (s === 'passed' ? style.green(s) : s === 'rolled-back' || s === 'failed' ? style.yellow(s) : style.red(s));
  process.stdout.write(
    `${table([['run id', 'runbook', 'status', 'started', 'duration', 'operator'], ...rows.map((r) => [r.runId, r.runbook.id, colour(r.status), r.startedAt.replace('T', ' ').slice(0, 19), r.durationMs === null ? '—' : formatDuration(r.durationMs), r.operator])], style)}\n`,
  );
  return EXIT.passed;
}
