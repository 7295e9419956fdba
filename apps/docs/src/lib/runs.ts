import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Loader, LoaderContext } from 'astro/loaders';
import type { Report } from '@readybook/engine';

/** One finished run of a runbook, from its report (the engine's report.json, see packages/engine/src/report.ts). */
export interface RunSummary {
  runId: string;
  runbookId: string;
  /** `passed`, `failed`, `rolled-back`, `rollback-failed`, `interrupted`. */
  status: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  operator: string;
  host: string;
  outputs: Record<string, string>;
  /** The params the run resolved, unset ones left out (the engine writes a secret's value as `***`). */
  params: Record<string, string>;
  /** `evidence`: committed under evidence/runs; `journal`: a local run in $READYBOOK_HOME/runs. */
  source: 'evidence' | 'journal';
  /** The report read, relative to the content root (evidence) or READYBOOK_HOME (journal). */
  file: string;
  /** True when the same run is also in the other source. */
  inBoth: boolean;
}

export interface RunSources {
  /** `<content root>/evidence`: reports in `runs/<runbook-id>/<run-id>.json`. */
  evidenceDir: string;
  /** READYBOOK_HOME: reports in `runs/<run-id>/report.json`. */
  home: string;
}

export interface RunHistory {
  /** Runs of each runbook, newest first. */
  byRunbook: Map<string, RunSummary[]>;
  /** Local reports that could not be read; they are skipped. */
  warnings: string[];
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

/** A report's fields as the site uses them, or the reason it is not a report. */
export function summarize(report: unknown, source: RunSummary['source'], file: string): RunSummary | string {
  const r = report as Partial<Report> | null;
  if (!r || typeof r !== 'object') return 'not a JSON object';
  if (typeof r.runId !== 'string' || typeof r.runbook?.id !== 'string' || typeof r.status !== 'string' || typeof r.startedAt !== 'string') {
    return 'not a run report (expected runId, runbook.id, status and startedAt)';
  }
  const strings = (value: unknown): Record<string, string> =>
    value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === null || v === undefined ? [] : [[k, String(v)]]))) : {};
  const outputs = strings(r.outputs);
  const params = strings(r.params);
  return {
    runId: r.runId,
    runbookId: r.runbook.id,
    status: r.status,
    startedAt: r.startedAt,
    endedAt: typeof r.endedAt === 'string' ? r.endedAt : null,
    durationMs: typeof r.durationMs === 'number' && Number.isFinite(r.durationMs) ? r.durationMs : null,
    operator: typeof r.operator === 'string' ? r.operator : 'unknown',
    host: typeof r.host === 'string' ? r.host : 'unknown',
    outputs,
    params,
    source,
    file,
    inBoth: false,
  };
}

/** When a run ended (or started, for one that never ended): what "newest" sorts by. */
export function runTime(run: Pick<RunSummary, 'endedAt' | 'startedAt'>): string {
  return run.endedAt ?? run.startedAt;
}

/**
 * Every run report the site can show: the committed ones (a malformed committed file fails the build, as a
 * malformed runbook does) and the local journal's (an unreadable one is skipped with a warning: runs still in
 * progress or killed have no report). A run found in both is shown once, as committed evidence.
 */
export async function loadRunHistory({ evidenceDir, home }: RunSources): Promise<RunHistory> {
  const byId = new Map<string, RunSummary>();
  const warnings: string[] = [];
  const problems: string[] = [];

  const homeRuns = path.join(home, 'runs');
  for (const runId of await listDir(homeRuns)) {
    const file = path.join(homeRuns, runId, 'report.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue; // no report: unfinished or killed
    }
    let summary: RunSummary | string;
    try {
      summary = summarize(JSON.parse(text), 'journal', path.relative(home, file).split(path.sep).join('/'));
    } catch {
      summary = 'not valid JSON';
    }
    if (typeof summary === 'string') warnings.push(`${file}: ${summary}; skipped`);
    else byId.set(summary.runId, summary);
  }

  const evidenceRuns = path.join(evidenceDir, 'runs');
  for (const runbookId of await listDir(evidenceRuns)) {
    for (const name of await listDir(path.join(evidenceRuns, runbookId))) {
      if (!name.endsWith('.json')) continue;
      const file = path.join(evidenceRuns, runbookId, name);
      const display = path.relative(path.dirname(evidenceDir), file).split(path.sep).join('/');
      let summary: RunSummary | string;
      try {
        summary = summarize(JSON.parse(await readFile(file, 'utf8')), 'evidence', display);
      } catch {
        summary = 'not valid JSON';
      }
      if (typeof summary === 'string') {
        problems.push(`${display}: ${summary}; publish runs with \`pnpm readybook evidence add <run-id>\``);
        continue;
      }
      if (summary.runbookId !== runbookId) {
        problems.push(`${display}: a report of runbook ${summary.runbookId}, filed under ${runbookId}/`);
        continue;
      }
      summary.inBoth = byId.has(summary.runId);
      byId.set(summary.runId, summary);
    }
  }
  if (problems.length > 0) throw new Error(`evidence/runs has ${problems.length} problem(s):\n${problems.join('\n')}`);

  return { byRunbook: groupByRunbook(byId.values()), warnings };
}

/**
 * The `runs` collection: every run report loadRunHistory finds, one entry per run. A content loader (not a
 * read at page time) because only here do the paths resolve against the source tree, and `astro dev` reloads it.
 */
export function runsLoader(sources: RunSources): Loader {
  const load = async ({ store, generateDigest, logger }: LoaderContext) => {
    const { byRunbook, warnings } = await loadRunHistory(sources);
    for (const warning of warnings) logger.warn(warning);
    store.clear();
    for (const run of [...byRunbook.values()].flat()) {
      const data = { ...run } as unknown as Record<string, unknown>;
      store.set({ id: run.runId, data, digest: generateDigest(data) });
    }
  };
  return {
    name: 'readybook-runs',
    async load(context) {
      await load(context);
      const { watcher } = context;
      if (!watcher) return;
      watcher.add([path.join(sources.evidenceDir, 'runs'), path.join(sources.home, 'runs')]);
      watcher.on('all', (_event, file) => {
        if (!file.endsWith('.json')) return;
        if (!file.startsWith(path.join(sources.evidenceDir, 'runs')) && !file.startsWith(path.join(sources.home, 'runs'))) return;
        load(context).catch((error: unknown) => context.logger.error(error instanceof Error ? error.message : String(error)));
      });
    },
  };
}

/** Runs grouped by runbook, newest first. */
export function groupByRunbook(runs: Iterable<RunSummary>): Map<string, RunSummary[]> {
  const byRunbook = new Map<string, RunSummary[]>();
  for (const run of runs) byRunbook.set(run.runbookId, [...(byRunbook.get(run.runbookId) ?? []), run]);
  for (const list of byRunbook.values()) list.sort((a, b) => runTime(b).localeCompare(runTime(a)) || b.runId.localeCompare(a.runId));
  return byRunbook;
}

/** The newest passing run, if any. */
export function lastPassing(runs: readonly RunSummary[]): RunSummary | undefined {
  return runs.find((run) => run.status === 'passed');
}
