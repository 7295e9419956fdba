import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A finished or unfinished run of a runbook, read from a report or a journal. */
export interface RunRecord {
  runId: string;
  runbookId: string;
  /** `passed`, `failed`, `rolled-back`, `rollback-failed`, `interrupted`, or `unfinished` for a journal without run.end. */
  status: string;
  /** When the run ended, or started when it never ended (ISO). */
  time: string;
  outputs: Record<string, string>;
  source: 'journal' | 'evidence';
}

export interface EvidenceLocations {
  /** $READYBOOK_HOME: runs live in `<home>/runs/<run-id>/`. */
  home: string;
  /** The committed evidence folder: `<evidenceDir>/runs/<runbook-id>/<run-id>.json`. */
  evidenceDir: string;
}

export class EvidenceError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'EvidenceError';
  }
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Every run the checklist can cite, newest first. A run found both in $READYBOOK_HOME and in evidence/
 * counts once, as `journal`. Unreadable files are skipped and named in `warnings`; missing folders are no runs.
 */
export async function loadRuns(where: EvidenceLocations): Promise<{ runs: RunRecord[]; warnings: string[] }> {
  const warnings: string[] = [];
  const byId = new Map<string, RunRecord>();
  for (const run of await readEvidenceRuns(where.evidenceDir, warnings)) byId.set(run.runId, run);
  for (const run of await readHomeRuns(where.home, warnings)) byId.set(run.runId, run);
  const runs = [...byId.values()].sort((a, b) => b.time.localeCompare(a.time));
  return { runs, warnings };
}

async function readHomeRuns(home: string, warnings: string[]): Promise<RunRecord[]> {
  const runsDir = join(home, 'runs');
  const records: RunRecord[] = [];
  for (const runId of await listDir(runsDir)) {
    const dir = join(runsDir, runId);
    const report = await readJson(join(dir, 'report.json'), warnings);
    const record = report !== undefined ? fromReport(report, 'journal') : fromJournal(await readText(join(dir, 'journal.jsonl')));
    if (record) records.push(record);
    else if (report !== undefined) warnings.push(`${join(dir, 'report.json')}: not a run report`);
  }
  return records;
}

async function readEvidenceRuns(evidenceDir: string, warnings: string[]): Promise<RunRecord[]> {
  const root = join(evidenceDir, 'runs');
  const records: RunRecord[] = [];
  for (const runbookId of await listDir(root)) {
    for (const name of await listDir(join(root, runbookId))) {
      if (!name.endsWith('.json')) continue;
      const path = join(root, runbookId, name);
      const report = await readJson(path, warnings);
      if (report === undefined) continue;
      const record = fromReport(report, 'evidence');
      if (record) records.push(record);
      else warnings.push(`${path}: not a run report`);
    }
  }
  return records;
}

function fromReport(report: unknown, source: RunRecord['source']): RunRecord | undefined {
  const r = report as { runId?: unknown; runbook?: { id?: unknown }; status?: unknown; endedAt?: unknown; startedAt?: unknown; outputs?: unknown };
  const time = typeof r.endedAt === 'string' ? r.endedAt : r.startedAt;
  if (typeof r.runId !== 'string' || typeof r.runbook?.id !== 'string' || typeof r.status !== 'string' || typeof time !== 'string') return undefined;
  return { runId: r.runId, runbookId: r.runbook.id, status: r.status, time, outputs: stringMap(r.outputs), source };
}

/** A run without report.json (killed, or still running): run.start names it, run.end (if any) settles it. */
function fromJournal(text: string | undefined): RunRecord | undefined {
  if (text === undefined) return undefined;
  let record: RunRecord | undefined;
  for (const line of text.split('\n')) {
    let event: { type?: string; runId?: string; time?: string; runbook?: { id?: string }; status?: string; outputs?: unknown };
    try {
      event = JSON.parse(line);
    } catch {
      continue; // a torn last line of a killed run
    }
    if (event.type === 'run.start' && typeof event.runId === 'string' && typeof event.runbook?.id === 'string' && typeof event.time === 'string') {
      record = { runId: event.runId, runbookId: event.runbook.id, status: 'unfinished', time: event.time, outputs: {}, source: 'journal' };
    } else if (event.type === 'run.end' && record && typeof event.status === 'string') {
      record.status = event.status;
      if (typeof event.time === 'string') record.time = event.time;
      record.outputs = stringMap(event.outputs);
    }
  }
  return record;
}

/**
 * `readybook evidence add <run-id>`: copies a finished run's report.json (masked by the engine when written)
 * to `<evidenceDir>/runs/<runbook-id>/<run-id>.json`, without the step log paths, which only mean something
 * on the machine that ran it. Returns the file written. Throws EvidenceError.
 */
export async function publishEvidence(runId: string, where: EvidenceLocations): Promise<{ path: string; runbookId: string; status: string }> {
  if (!SAFE_ID.test(runId)) throw new EvidenceError(`\`${runId}\` is not a run id`, 'list run ids with `readybook runs`');
  const dir = join(where.home, 'runs', runId);
  const text = await readText(join(dir, 'report.json'));
  if (text === undefined) {
    const exists = (await listDir(dir)).length > 0;
    throw exists
      ? new EvidenceError(`run ${runId} has no report.json: it is still running or was killed`, 'only finished runs can be published; resume it with `readybook resume`')
      : new EvidenceError(`no run ${runId} in ${join(where.home, 'runs')}`, 'list run ids with `readybook runs`, and check READYBOOK_HOME');
  }
  let report: Record<string, unknown>;
  try {
    report = JSON.parse(text);
  } catch {
    throw new EvidenceError(`${join(dir, 'report.json')} is not valid JSON`);
  }
  const record = fromReport(report, 'evidence');
  if (!record || record.runId !== runId || !SAFE_ID.test(record.runbookId)) throw new EvidenceError(`${join(dir, 'report.json')} is not a report of run ${runId}`);
  if (Array.isArray(report['steps'])) {
    report['steps'] = report['steps'].map((step: Record<string, unknown>) => {
      const { log: _log, ...rest } = step;
      return rest;
    });
  }
  const target = join(where.evidenceDir, 'runs', record.runbookId);
  await mkdir(target, { recursive: true });
  const path = join(target, `${runId}.json`);
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  return { path, runbookId: record.runbookId, status: record.status };
}

function stringMap(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function readJson(path: string, warnings: string[]): Promise<unknown> {
  const text = await readText(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    warnings.push(`${path}: not valid JSON`);
    return undefined;
  }
}
