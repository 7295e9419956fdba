import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReadybookError } from '../errors.js';
import type { Report } from '../record/report.js';
import { buildReport } from '../record/report.js';
import { JOURNAL_FILE } from '../record/journal.js';
import type { RunEvent } from '../record/events.js';
import { runsDir } from '../record/home.js';
import { isRunId } from '../record/runid.js';
import { SEAL_FILE, SEAL_SIG_FILE } from '../trust/seal.js';
import type { StoreConfig } from './config.js';
import { connectStore, ensureSchema, reason, type StoreClient } from './client.js';

/**
 * Run history in the store. The local journal stays the source of truth while a run goes on: every
 * line it gets is also sent to readybook_events, in the background, in order. What the store has
 * not acknowledged yet is the journal's tail after `outbox.json`'s `sentSeq`: the outbox names what
 * is owed, the journal holds it (one copy of each line, nothing more written per event). A store that
 * stops answering is retried; what is still owed when the run ends stays owed until `readybook sync`.
 */
export const OUTBOX_FILE = 'outbox.json';

/** The files of a finished run copied to the store beside its events. */
export const RUN_FILES = ['report.json', 'report.md', SEAL_FILE, SEAL_SIG_FILE] as const;

interface Outbox {
  runId: string;
  /** The last journal seq the store has committed; -1 for none. */
  sentSeq: number;
}

interface Line {
  seq: number;
  line: string;
}

const BATCH = 500;

export class StoreWriter {
  private pending: Line[] = [];
  private client: StoreClient | undefined;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delayMs = 250;
  private sentSeq: number;
  private down: string | undefined;

  constructor(
    private readonly config: StoreConfig,
    private readonly dir: string,
    private readonly runId: string,
    private readonly options: { timeoutMs: number; notice?: (text: string) => void },
  ) {
    const outbox = readOutbox(dir);
    this.sentSeq = outbox?.sentSeq ?? -1;
    // A resumed run: what an earlier attempt could not send is owed first.
    if (existsSync(join(dir, JOURNAL_FILE))) this.pending = journalLines(dir).filter((l) => l.seq > this.sentSeq);
    writeOutbox(dir, { runId, sentSeq: this.sentSeq });
  }

  /** A journal line as written (called by the journal on every append). */
  push(seq: number, line: string): void {
    this.pending.push({ seq, line });
    this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.flushing || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flushOnce().finally(() => {
        this.flushing = undefined;
        if (this.pending.length > 0) this.schedule(this.down ? this.delayMs : 0);
      });
    }, delay);
    this.timer.unref();
  }

  private async flushOnce(): Promise<void> {
    if (this.pending.length === 0) return;
    try {
      const client = await this.connect();
      const batch = this.pending.slice(0, BATCH);
      await sendLines(client, this.runId, batch);
      this.pending.splice(0, batch.length);
      this.sentSeq = batch[batch.length - 1]!.seq;
      writeOutbox(this.dir, { runId: this.runId, sentSeq: this.sentSeq });
      if (this.down) this.options.notice?.(`the store answers again: the queued events of run ${this.runId} are being sent`);
      this.down = undefined;
      this.delayMs = 250;
    } catch (error) {
      this.drop();
      const why = reason(this.config, error);
      if (!this.down) this.options.notice?.(`the store ${this.config.label} does not answer (${why}): run ${this.runId} goes on, and its events are queued in ${join(this.dir, OUTBOX_FILE)} until it does`);
      this.down = why;
      this.delayMs = Math.min(this.delayMs * 2, 5_000);
    }
  }

  private async connect(): Promise<StoreClient> {
    if (this.client) return this.client;
    const client = await connectStore(this.config, { timeoutMs: this.options.timeoutMs, purpose: `journal ${this.runId}`, onError: () => this.drop() });
    try {
      await ensureSchema(this.config, client);
    } catch (error) {
      void client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    return client;
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    void client?.end().catch(() => undefined);
  }

  /**
   * After the run's end is journaled and its reports and seal are written: one last attempt to send
   * what is owed and the run's files. Resolves with a warning when something is still owed.
   */
  async finish(): Promise<string | undefined> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
    try {
      const client = await this.connect();
      await sendRun(client, this.dir, this.runId, this.pending);
      this.pending = [];
      rmSync(join(this.dir, OUTBOX_FILE), { force: true });
      return undefined;
    } catch (error) {
      this.down ??= reason(this.config, error);
      return `${this.pending.length} event${this.pending.length === 1 ? '' : 's'} and the report of run ${this.runId} are not in the store ${this.config.label} yet (${this.down}); they are queued in ${join(this.dir, OUTBOX_FILE)}, and \`readybook sync\` sends them`;
    } finally {
      this.drop();
    }
  }
}

/** The journal's lines with their seq (a torn last line is left out: it is not an event yet). */
function journalLines(dir: string): Line[] {
  const lines: Line[] = [];
  const text = readFileSync(join(dir, JOURNAL_FILE), 'utf8');
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const seq = (JSON.parse(line) as { seq?: unknown }).seq;
      lines.push({ seq: typeof seq === 'number' ? seq : i, line });
    } catch {
      // torn: not sent
    }
  });
  return lines;
}

function readOutbox(dir: string): Outbox | undefined {
  try {
    const value = JSON.parse(readFileSync(join(dir, OUTBOX_FILE), 'utf8')) as Outbox;
    return typeof value.sentSeq === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}

function writeOutbox(dir: string, outbox: Outbox): void {
  const path = join(dir, OUTBOX_FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(outbox)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** Sends journal lines (and the run row they start, resume or end) in one transaction; lines already there are kept. */
async function sendLines(client: StoreClient, runId: string, lines: readonly Line[], report?: Report): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const { line } of lines) {
      const event = JSON.parse(line) as RunEvent;
      if (event.type === 'run.start') {
        await client.query(
          `INSERT INTO readybook_runs (run_id, runbook, status, started_at, operator, host) VALUES ($1, $2, 'running', $3, $4, $5) ON CONFLICT (run_id) DO NOTHING`,
          [runId, event.runbook.id, event.time, event.operator, event.host],
        );
      } else if (event.type === 'run.resume') {
        await client.query(`UPDATE readybook_runs SET status = 'running', updated_at = now() WHERE run_id = $1`, [runId]);
      } else if (event.type === 'run.end') {
        await client.query('UPDATE readybook_runs SET status = $2, updated_at = now() WHERE run_id = $1', [runId, event.status]);
      }
    }
    if (lines.length > 0) {
      await client.query('INSERT INTO readybook_events (run_id, seq, line) SELECT $1, * FROM unnest($2::int[], $3::text[]) ON CONFLICT (run_id, seq) DO NOTHING', [
        runId,
        lines.map((l) => l.seq),
        lines.map((l) => l.line),
      ]);
    }
    if (report) await client.query('UPDATE readybook_runs SET report = $2, status = $3, updated_at = now() WHERE run_id = $1', [runId, JSON.stringify(report), report.status]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Sends what is owed of a run, then its report and files (those it has: a killed run has none). */
async function sendRun(client: StoreClient, dir: string, runId: string, owed: readonly Line[]): Promise<void> {
  const all = journalLines(dir);
  const events = all.map((l) => JSON.parse(l.line) as RunEvent);
  const reportText = readOptional(join(dir, 'report.json'));
  let report: Report | undefined;
  try {
    report = reportText ? (JSON.parse(reportText) as Report) : buildReport(events);
  } catch {
    report = undefined;
  }
  for (let i = 0; i < owed.length; i += BATCH) await sendLines(client, runId, owed.slice(i, i + BATCH));
  await client.query('BEGIN');
  try {
    for (const name of RUN_FILES) {
      const content = readOptional(join(dir, name));
      if (content === undefined) continue;
      await client.query('INSERT INTO readybook_run_files (run_id, name, content) VALUES ($1, $2, $3) ON CONFLICT (run_id, name) DO UPDATE SET content = EXCLUDED.content', [runId, name, content]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  await sendLines(client, runId, [], report);
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * `readybook sync`: sends every run of this home that still owes the store something (it has an
 * outbox.json), oldest first. A run whose engine is still going is sent too (lines already there are
 * kept); its outbox stays until its own engine finishes it.
 */
export async function syncHome(config: StoreConfig, home: string, options: { timeoutMs: number }): Promise<Array<{ runId: string; sent: number; finished: boolean }>> {
  const root = runsDir(home);
  const owing = existsSync(root) ? readdirSync(root).filter((id) => isRunId(id) && existsSync(join(root, id, OUTBOX_FILE))).sort() : [];
  if (owing.length === 0) return [];
  const client = await connectStore(config, { timeoutMs: options.timeoutMs, purpose: 'sync' });
  const done: Array<{ runId: string; sent: number; finished: boolean }> = [];
  try {
    await ensureSchema(config, client);
    for (const runId of owing) {
      const dir = join(root, runId);
      const outbox = readOutbox(dir);
      const sentSeq = outbox?.sentSeq ?? -1;
      const owed = journalLines(dir).filter((l) => l.seq > sentSeq);
      const finished = existsSync(join(dir, 'report.json'));
      if (finished) {
        await sendRun(client, dir, runId, owed);
        rmSync(join(dir, OUTBOX_FILE), { force: true });
      } else {
        for (let i = 0; i < owed.length; i += BATCH) await sendLines(client, runId, owed.slice(i, i + BATCH));
        if (owed.length > 0) writeOutbox(dir, { runId, sentSeq: owed[owed.length - 1]!.seq });
      }
      done.push({ runId, sent: owed.length, finished });
    }
  } catch (error) {
    if (error instanceof ReadybookError) throw error;
    throw new ReadybookError('RB053', `the store ${config.label} failed during sync after ${done.length} of ${owing.length} runs: ${reason(config, error)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  return done;
}

/** `check --write` with a store: the evaluation goes to readybook_evaluations too, beside evidence/evaluations/. */
export async function sendEvaluation(
  config: StoreConfig,
  evaluation: { checklist: { id: string }; evaluatedAt: string; verdict: string },
  who: { host: string; operator: string; timeoutMs: number },
): Promise<void> {
  const client = await connectStore(config, { timeoutMs: who.timeoutMs, purpose: 'evaluation' });
  try {
    await ensureSchema(config, client);
    await client.query(
      'INSERT INTO readybook_evaluations (checklist, evaluated_at, host, operator, verdict, evaluation) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING',
      [evaluation.checklist.id, evaluation.evaluatedAt, who.host, who.operator, evaluation.verdict, JSON.stringify(evaluation)],
    );
  } catch (error) {
    if (error instanceof ReadybookError) throw error;
    throw new ReadybookError('RB053', `the store ${config.label} failed while recording the evaluation of ${evaluation.checklist.id}: ${reason(config, error)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
