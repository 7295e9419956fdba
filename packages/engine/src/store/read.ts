import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '@readybook/schema';
import type { Report } from '../record/report.js';
import { JOURNAL_FILE } from '../record/journal.js';
import { parseReport } from '../record/read.js';
import { mkdirPrivate, runDir } from '../record/home.js';
import { isRunId } from '../record/runid.js';
import { listRunIds, resolveRunId } from '../record/runs.js';
import { storeConfig, type StoreConfig } from './config.js';
import { holdsSql } from './locks.js';
import { connectStore, ensureSchema, reason, storeTimeoutMs, type StoreClient } from './client.js';
import { ReadybookError } from '../errors.js';

/** A run as the store lists it: its report when it has one, else what its run.start said. */
export type StoreRun = Pick<Report, 'runId' | 'status' | 'exitCode' | 'startedAt' | 'durationMs' | 'operator' | 'outputs'> & { runbook: { id: string }; host: string };

async function withStore<T>(config: StoreConfig, timeoutMs: number, what: string, body: (client: StoreClient) => Promise<T>): Promise<T> {
  const client = await connectStore(config, { timeoutMs, purpose: what });
  try {
    await ensureSchema(config, client);
    return await body(client);
  } catch (error) {
    if (error instanceof ReadybookError) throw error;
    throw new ReadybookError('RB053', `the store ${config.label} failed while reading ${what}: ${reason(config, error)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Whether the run's engine is still going: it holds its runbook's advisory lock now (the holder row
 * names the run and the backend, and pg_locks shows that backend holding that exact key). A `running`
 * row whose engine was killed, or lost its machine, is no longer so: it reads as `interrupted`, as a
 * killed run does in its own home, until it is resumed there.
 */
const LIVE_SQL = `EXISTS (SELECT 1 FROM readybook_locks l WHERE l.name = 'runbook:' || r.runbook AND l.run_id = r.run_id AND ${holdsSql('l')})`;

/** The newest runs in the store (by run id, which starts with the start time), optionally of one runbook. */
export function listStoreRuns(config: StoreConfig, options: { timeoutMs: number; limit: number; runbook?: string }): Promise<StoreRun[]> {
  return withStore(config, options.timeoutMs, 'runs', async (client) => {
    const { rows } = await client.query<{ run_id: string; runbook: string; status: string; started_at: Date; operator: string; host: string; report: unknown; live: boolean }>(
      `SELECT run_id, runbook, status, started_at, operator, host, report, (status = 'running' AND ${LIVE_SQL}) AS live FROM readybook_runs r
       WHERE ($1::text IS NULL OR runbook = $1) ORDER BY run_id DESC LIMIT $2`,
      [options.runbook ?? null, options.limit],
    );
    return rows.map((row): StoreRun => {
      // A resumed run keeps its earlier attempt's report while it goes on again: the row's status is newer.
      const parsed = row.report && row.status !== 'running' ? parseReport(row.report) : undefined;
      if (parsed && 'report' in parsed) return { ...parsed.report, host: parsed.report.host };
      const status = row.status === 'running' && !row.live ? 'interrupted' : (row.status as Report['status']);
      return { runId: row.run_id, runbook: { id: row.runbook }, status, exitCode: null, startedAt: row.started_at.toISOString(), durationMs: null, operator: row.operator, host: row.host, outputs: {} };
    });
  });
}

/**
 * Copies a run from the store into `<home>/store/runs/<run-id>/` (its journal, exactly as written, and its
 * files), so `report`, `verify` and `check` read it as they read a local run. Undefined when the store has no such run.
 */
export function fetchStoreRun(config: StoreConfig, home: string, runId: string, options: { timeoutMs: number }): Promise<string | undefined> {
  return withStore(config, options.timeoutMs, `run ${runId}`, (client) => copyRun(client, home, runId));
}

/** The store's copy of a run's folder: `<home>/store/runs/<run-id>`. */
export function storeCopyDir(home: string, runId: string): string {
  return join(home, 'store', 'runs', runId);
}

async function copyRun(client: StoreClient, home: string, runId: string): Promise<string | undefined> {
  const events = await client.query<{ seq: number; line: string }>('SELECT seq, line FROM readybook_events WHERE run_id = $1 ORDER BY seq', [runId]);
  if (events.rows.length === 0) return undefined;
  const files = await client.query<{ name: string; content: string }>('SELECT name, content FROM readybook_run_files WHERE run_id = $1', [runId]);
  const dir = storeCopyDir(home, runId);
  mkdirPrivate(join(dir, '..'));
  const draft = `${dir}.${process.pid}.draft`;
  rmSync(draft, { recursive: true, force: true });
  mkdirSync(draft, { mode: 0o700 });
  writeFileSync(join(draft, JOURNAL_FILE), events.rows.map((r) => `${r.line}\n`).join(''), { mode: 0o600 });
  for (const file of files.rows) if (/^[a-z.]+$/.test(file.name)) writeFileSync(join(draft, file.name), file.content, { mode: 0o600 });
  rmSync(dir, { recursive: true, force: true });
  renameSync(draft, dir);
  return dir;
}

/**
 * For `check`: copies the store's finished runs of these runbooks (newest first, at most `limit`) that
 * the home does not have, over one connection; returns their ids. The caller verifies each copy.
 */
export function fetchStoreRunsOf(config: StoreConfig, home: string, options: { timeoutMs: number; runbooks?: ReadonlySet<string>; skip: ReadonlySet<string>; limit: number }): Promise<string[]> {
  return withStore(config, options.timeoutMs, 'runs for the checklist', async (client) => {
    const { rows } = await client.query<{ run_id: string }>(
      'SELECT run_id FROM readybook_runs WHERE report IS NOT NULL AND ($1::text[] IS NULL OR runbook = ANY($1)) ORDER BY run_id DESC LIMIT $2',
      [options.runbooks ? [...options.runbooks] : null, options.limit],
    );
    const fetched: string[] = [];
    for (const { run_id: runId } of rows) {
      if (options.skip.has(runId) || !isRunId(runId)) continue;
      if (await copyRun(client, home, runId)) fetched.push(runId);
    }
    return fetched;
  });
}

/** The newest run id in the store, for `latest`. */
export function latestStoreRunId(config: StoreConfig, options: { timeoutMs: number }): Promise<string | undefined> {
  return withStore(config, options.timeoutMs, 'the latest run', async (client) => (await client.query<{ run_id: string }>('SELECT run_id FROM readybook_runs ORDER BY run_id DESC LIMIT 1')).rows[0]?.run_id);
}

/**
 * The run a command names (`latest` or a run id), and the folder to read it from: this home's, else,
 * with a store, a fresh copy of the store's (a run made on another machine). `latest` is the newer of
 * the two homes' latest.
 */
export async function locateRun(home: string, arg: string, env: NodeJS.ProcessEnv): Promise<{ runId: string; dir: string; fromStore: boolean }> {
  const config = storeConfig(env);
  if (!config) {
    const runId = resolveRunId(home, arg);
    return { runId, dir: runDir(home, runId), fromStore: false };
  }
  const timeoutMs = storeTimeoutMs(env);
  let runId = arg;
  if (arg === 'latest') {
    const local = listRunIds(home)[0];
    let remote: string | undefined;
    try {
      remote = await latestStoreRunId(config, { timeoutMs });
    } catch (error) {
      if (!(error instanceof ReadybookError) || error.code !== 'RB053' || !local) throw error;
      process.stderr.write(`warning ${error.code}: ${error.message}; \`latest\` is the latest run of ${home}\n`);
    }
    const newest = [local, remote].filter((id): id is string => id !== undefined).sort().pop();
    if (!newest) throw new ReadybookError('RB041', `there are no runs in ${home} nor in the store ${config.label}`);
    runId = newest;
  } else if (!isRunId(arg)) {
    resolveRunId(home, arg); // throws the usual RB041 for what is not a run id
  }
  if (existsSync(runDir(home, runId))) return { runId, dir: runDir(home, runId), fromStore: false };
  const dir = await fetchStoreRun(config, home, runId, { timeoutMs });
  if (!dir) throw new ReadybookError('RB041', `run ${runId} not found in ${home} nor in the store ${config.label}`);
  return { runId, dir, fromStore: true };
}

/** A finished run's report as the store holds it, for readers that show runs (the docs site). */
export interface StoreReport {
  runId: string;
  report?: RunReport;
  /** Why the stored report is not one (a report of a newer readybook, or damaged). */
  problem?: string;
  /** The runbook's finished runs in the store: more than were read when `perRunbook` cut the list. */
  runbookRuns: number;
}

/**
 * The reports of the store's finished runs: of each runbook its newest `perRunbook` (by start time: run
 * ids order by the second only), and its newest passing run when that is older (what "last passing run"
 * needs), with how many finished runs it has. For the docs site: reports are shown, not trusted; `check`
 * is what verifies a run (chain, seal, key) before it counts.
 */
export function readStoreReports(config: StoreConfig, options: { timeoutMs: number; perRunbook: number }): Promise<StoreReport[]> {
  return withStore(config, options.timeoutMs, 'run reports', async (client) => {
    const { rows } = await client.query<{ run_id: string; report: unknown; runbook_runs: string }>(
      `SELECT run_id, report, runbook_runs FROM (
         SELECT run_id, status, report,
           count(*) OVER (PARTITION BY runbook) AS runbook_runs,
           row_number() OVER (PARTITION BY runbook ORDER BY started_at DESC, run_id DESC) AS newest,
           row_number() OVER (PARTITION BY runbook, status = 'passed' ORDER BY started_at DESC, run_id DESC) AS newest_of_kind
         FROM readybook_runs WHERE report IS NOT NULL AND status <> 'running') runs
       WHERE newest <= $1 OR (status = 'passed' AND newest_of_kind = 1)
       ORDER BY run_id DESC`,
      [options.perRunbook],
    );
    return rows.map(({ run_id: runId, report, runbook_runs }) => {
      const parsed = parseReport(report);
      const runbookRuns = Number(runbook_runs);
      return 'report' in parsed ? { runId, report: parsed.report, runbookRuns } : { runId, problem: parsed.problem, runbookRuns };
    });
  });
}

/** The newest evaluation of each checklist recorded with `check --write` on any machine. */
export function readStoreEvaluations(config: StoreConfig, options: { timeoutMs: number }): Promise<Array<{ checklist: string; evaluatedAt: string; host: string; operator: string; evaluation: unknown }>> {
  return withStore(config, options.timeoutMs, 'checklist evaluations', async (client) => {
    const { rows } = await client.query<{ checklist: string; evaluated_at: Date; host: string; operator: string; evaluation: unknown }>(
      'SELECT DISTINCT ON (checklist) checklist, evaluated_at, host, operator, evaluation FROM readybook_evaluations ORDER BY checklist, evaluated_at DESC, host',
    );
    return rows.map((r) => ({ checklist: r.checklist, evaluatedAt: r.evaluated_at.toISOString(), host: r.host, operator: r.operator, evaluation: r.evaluation }));
  });
}

/**
 * A digest of what the docs site reads from the store: it changes when a run or an evaluation is added,
 * changes (a report written, a run resumed) or is removed. Turborepo cannot hash a database, so the build
 * hashes this instead (scripts/turbo.mjs): a build after new runs elsewhere is not a cache hit. The digest
 * covers the store's label (its password masked), never the password.
 */
export function readStoreState(config: StoreConfig, options: { timeoutMs: number }): Promise<string> {
  return withStore(config, options.timeoutMs, 'its state', async (client) => {
    const { rows } = await client.query<{ runs: string; evaluations: string }>(
      `SELECT (SELECT count(*) || ' ' || coalesce(max(updated_at)::text, '-') FROM readybook_runs) AS runs,
              (SELECT count(*) || ' ' || coalesce(max(evaluated_at)::text, '-') FROM readybook_evaluations) AS evaluations`,
    );
    return createHash('sha256').update(`${config.label}\n${rows[0]!.runs}\n${rows[0]!.evaluations}`).digest('hex');
  });
}
