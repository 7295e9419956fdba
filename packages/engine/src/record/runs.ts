import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ReadybookError } from '../errors.js';
import { runDir, runsDir } from './home.js';
import { JOURNAL_FILE, readJournal } from './journal.js';
import type { Report } from './report.js';
import { buildReport } from './report.js';
import { parseReport } from './read.js';
import { isRunId } from './runid.js';

/** Lists run ids in READYBOOK_HOME, newest first. */
export function listRunIds(home: string): string[] {
  const dir = runsDir(home);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter(isRunId).sort().reverse();
}

/** `latest` or a run id, checked so it cannot name a path outside the runs folder. */
export function resolveRunId(home: string, arg: string): string {
  if (arg === 'latest') {
    const latest = listRunIds(home)[0];
    if (!latest) throw new ReadybookError('RB041', `there are no runs in ${home}`);
    return latest;
  }
  if (!isRunId(arg)) throw new ReadybookError('RB041', `${JSON.stringify(arg)} is not a run id (they look like 20261124T111502Z-backup-3f9a1c)`);
  if (!existsSync(runDir(home, arg))) throw new ReadybookError('RB041', `run ${arg} not found in ${home}`);
  return arg;
}

/** The run's report: report.json if the run ended, else rebuilt from its journal (a killed run). */
export function loadReport(home: string, runId: string): Report {
  return loadReportFrom(runDir(home, runId));
}

/** The report of the run in `dir` (a home's run, or a copy of a run from the store). */
export function loadReportFrom(dir: string): Report {
  const file = join(dir, 'report.json');
  // The report is written after the journal's last event; a journal written to since then is a
  // resumed run still going, whose report is from its earlier attempt. Comparing times avoids
  // reading every journal just to list runs.
  if (existsSync(file) && statSync(file).mtimeMs >= statSync(join(dir, JOURNAL_FILE)).mtimeMs) {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      throw new ReadybookError('RB046', `${file} is not valid JSON`);
    }
    const parsed = parseReport(value);
    if ('problem' in parsed) throw new ReadybookError('RB046', `${file} is ${parsed.problem}`);
    return parsed.report;
  }
  return buildReport(readJournal(dir));
}
