import path from 'node:path';
import { inputError } from './input-error.js';
import type { Loader, LoaderContext } from 'astro/loaders';
import { readEvidenceRuns, readHomeRuns, readStoreReports, REPORT_FILE, type RunReport } from '@readybook/engine';
import { readShared, type SharedStore } from './shared-store.js';

/** One finished run of a runbook, from its report (the engine's report.json, see packages/engine/src/record/report.ts). */
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
  /** `evidence`: committed under evidence/runs; `store`: the shared store (READYBOOK_STORE); `journal`: a local run in $READYBOOK_HOME/runs. */
  source: RunSource;
  /** The report read: relative to the content root (evidence) or READYBOOK_HOME (journal); `store:<run-id>` for the store. */
  file: string;
  /** The other sources that have the same run (it is shown once, from `source`). */
  alsoIn: RunSource[];
  /**
   * How many finished runs of this runbook the shared store has, when this run was read from it: the site
   * reads at most STORE_RUNS_PER_RUNBOOK of them, so a page can say it shows the newest N of M.
   */
  storeRuns: number | null;
}

export type RunSource = 'evidence' | 'store' | 'journal';

export interface RunSources {
  /** `<content root>/evidence`: reports in `runs/<runbook-id>/<run-id>.json`. */
  evidenceDir: string;
  /** READYBOOK_HOME: reports in `runs/<run-id>/report.json`. */
  home: string;
  /** READYBOOK_STORE, when the build has one: every machine's finished runs (ADR 0024). */
  store?: SharedStore & { perRunbook?: number };
}

/**
 * How many of a runbook's runs the site reads from the store: its newest, plus its newest passing run
 * if that is older. Pages show the latest evidence and charts of the recent runs; a store of years
 * of runs must not make every build read them all.
 */
export const STORE_RUNS_PER_RUNBOOK = 500;

export interface RunHistory {
  /** Runs of each runbook, newest first. */
  byRunbook: Map<string, RunSummary[]>;
  /** Local reports that could not be read; they are skipped. */
  warnings: string[];
}

/** A report's fields as the site uses them (the report already checked by the engine's record schema). */
export function summarize(report: RunReport, source: RunSummary['source'], file: string): RunSummary {
  const params = Object.fromEntries(Object.entries(report.params).flatMap(([k, v]) => (v === null ? [] : [[k, v]])));
  return {
    runId: report.runId,
    runbookId: report.runbook.id,
    status: report.status,
    startedAt: report.startedAt,
    endedAt: report.endedAt ?? null,
    durationMs: typeof report.durationMs === 'number' && Number.isFinite(report.durationMs) ? report.durationMs : null,
    operator: report.operator ?? 'unknown',
    host: report.host ?? 'unknown',
    outputs: report.outputs,
    params,
    source,
    file,
    alsoIn: [],
    storeRuns: null,
  };
}

/** When a run ended (or started, for one that never ended): what "newest" sorts by. */
export function runTime(run: Pick<RunSummary, 'endedAt' | 'startedAt'>): string {
  return run.endedAt ?? run.startedAt;
}

/**
 * Every run report the site can show, read by the engine's one reader of run records (record/read.ts, the
 * schemas of @readybook/schema): the committed ones (a malformed committed file fails the build, as a
 * malformed runbook does), the shared store's when the build has one (a store that does not answer fails
 * the build: a page without the team's runs would say less than is true), and the local journal's (an
 * unreadable one is skipped with a warning; runs still in progress or killed have no report and are not
 * shown). A run found in several is shown once: as committed evidence, else from the store.
 */
export async function loadRunHistory({ evidenceDir, home, store }: RunSources): Promise<RunHistory> {
  const byId = new Map<string, RunSummary>();
  const put = (summary: RunSummary) => {
    const before = byId.get(summary.runId);
    if (before) {
      summary.alsoIn = [...new Set([...before.alsoIn, before.source])];
      summary.storeRuns ??= before.storeRuns;
    }
    byId.set(summary.runId, summary);
  };
  const local = await readHomeRuns(home);
  const warnings = local.warnings.map((w) => `${w}; skipped`);
  for (const run of local.runs) {
    if (!run.report) continue;
    put(summarize(run.report, 'journal', path.relative(home, path.join(run.file, REPORT_FILE)).split(path.sep).join('/')));
  }
  if (store) {
    const perRunbook = store.perRunbook ?? STORE_RUNS_PER_RUNBOOK;
    const reports = await readShared('runs', () => readStoreReports(store.config, { timeoutMs: store.timeoutMs, perRunbook }));
    for (const { runId, report, problem, runbookRuns } of reports) {
      if (report) put({ ...summarize(report, 'store', `store:${runId}`), storeRuns: runbookRuns });
      else warnings.push(`store:${runId} in ${store.config.label}: ${problem}; skipped`);
    }
  }
  const committed = await readEvidenceRuns(evidenceDir);
  const root = path.dirname(evidenceDir);
  const shown = (file: string) => path.relative(root, file).split(path.sep).join('/');
  const problems = committed.problems.map(({ file, kind, problem }) =>
    kind === 'misfiled' ? `${shown(file)}: ${problem}` : `${shown(file)}: ${problem}; publish runs with \`pnpm readybook evidence add <run-id>\``,
  );
  if (problems.length > 0) throw inputError(`evidence/runs has ${problems.length} problem(s):\n${problems.join('\n')}`);
  for (const run of committed.runs) put(summarize(run.report!, 'evidence', shown(run.file)));
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

/**
 * Of a runbook's runs in the shared store, how many the site read and how many it did not (it reads the
 * newest STORE_RUNS_PER_RUNBOOK and the last passing one): a page with `unread` > 0 says it shows part.
 */
export function storeCoverage(runs: readonly RunSummary[]): { inStore: number; read: number; unread: number } {
  const inStore = Math.max(0, ...runs.map((run) => run.storeRuns ?? 0));
  const read = runs.filter((run) => run.source === 'store' || run.alsoIn.includes('store')).length;
  return { inStore, read, unread: Math.max(0, inStore - read) };
}

/** The newest passing run, if any. */
export function lastPassing(runs: readonly RunSummary[]): RunSummary | undefined {
  return runs.find((run) => run.status === 'passed');
}
