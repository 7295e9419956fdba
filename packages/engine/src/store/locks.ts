import { createHash } from 'node:crypto';
import { ReadybookError } from '../errors.js';
import type { StoreConfig } from './config.js';
import { connectStore, ensureSchema, reason, type StoreClient } from './client.js';

/** Who asks for the locks: what the holder row records, so a refusal elsewhere can name it. */
export interface LockRequest {
  runId: string;
  runbookId: string;
  /** Named resources from the runbook's `locks:`. */
  resources: readonly string[];
  operator: string;
  host: string;
  pid: number;
}

interface Held {
  name: string;
  key: string;
  generation: string;
}

interface HolderRow {
  name: string;
  run_id: string;
  runbook: string;
  operator: string;
  host: string;
  pid: number;
  started_at: Date;
  backend_pid: number;
  generation: string;
}

/** The store name of a runbook's own lock and of a named resource. */
export const runbookLockName = (id: string) => `runbook:${id}`;
export const resourceLockName = (name: string) => `resource:${name}`;

/** The advisory lock key of a name: the first 8 bytes of its sha256, as a signed 64-bit integer (text, for the driver). */
export function lockKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

/** A bigint advisory lock as pg_locks shows it: classid = high 32 bits, objid = low 32 bits, objsubid = 1. */
function lockIds(key: string): [string, string] {
  const unsigned = BigInt.asUintN(64, BigInt(key));
  return [(unsigned >> 32n).toString(), (unsigned & 0xffffffffn).toString()];
}

/**
 * SQL true when the holder row `row` belongs to the session that holds its advisory lock now: the
 * key computed from the row's name in SQL as lockKey does in TypeScript, matched in pg_locks with
 * the row's backend. A row of a killed or vanished holder is false.
 */
export const holdsSql = (row: string) => `EXISTS (
  SELECT 1 FROM (SELECT ('x' || left(encode(sha256(convert_to(${row}.name, 'UTF8')), 'hex'), 16))::bit(64)::bigint AS k) key
  JOIN pg_locks p ON p.locktype = 'advisory' AND p.granted AND p.objsubid = 1 AND p.pid = ${row}.backend_pid
    AND p.classid = ((key.k >> 32) & 4294967295)::oid AND p.objid = (key.k & 4294967295)::oid)`;

/** A lock in the store held now, as `readybook locks` lists it. */
export interface HeldStoreLock {
  name: string;
  runId: string;
  runbook: string;
  operator: string;
  host: string;
  pid: number;
  startedAt: string;
}

/** Every lock of the store whose holder holds it now (rows of killed holders are left out). */
export async function listStoreLocks(config: StoreConfig, options: { timeoutMs: number }): Promise<HeldStoreLock[]> {
  const client = await connectStore(config, { timeoutMs: options.timeoutMs, purpose: 'locks' });
  try {
    await ensureSchema(config, client);
    const { rows } = await client.query<HolderRow>(`SELECT * FROM readybook_locks l WHERE ${holdsSql('l')} ORDER BY name`);
    return rows.map((r) => ({ name: r.name, runId: r.run_id, runbook: r.runbook, operator: r.operator, host: r.host, pid: r.pid, startedAt: r.started_at.toISOString() }));
  } catch (error) {
    if (error instanceof ReadybookError) throw error;
    throw new ReadybookError('RB053', `the store ${config.label} failed while listing its locks: ${reason(config, error)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const HELD_SQL = "SELECT pg_backend_pid() AS pid, (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()) AS held";

/**
 * A run's locks in the PostgreSQL store: a session-level advisory lock per name (the runbook's own,
 * then each named resource), all on one dedicated connection kept open for the whole run, so the
 * server frees them the moment that connection closes — a killed engine holds nothing. Each lock
 * has a row in readybook_locks naming its holder, written in the same transaction that takes it.
 *
 * If the connection drops mid-run, `ensure` (called before each step) reconnects and regains the
 * locks, but only while no other run has taken them since (the row's generation is still ours);
 * otherwise, or after the grace period, it answers with why, and the run starts no further step.
 */
export class StoreLocks {
  private lost: string | undefined;
  private client: StoreClient;
  private backendPid: number;

  private constructor(
    private readonly config: StoreConfig,
    private readonly request: LockRequest,
    private readonly held: Held[],
    client: StoreClient,
    backendPid: number,
    private readonly options: { timeoutMs: number; graceMs: number; notice?: (text: string) => void },
  ) {
    this.client = client;
    this.backendPid = backendPid;
    this.watch(client);
  }

  /** Takes every lock, or none: refused with RB050 (the runbook) or RB051 (a resource), naming the holder. */
  static async acquire(config: StoreConfig, request: LockRequest, options: { timeoutMs: number; graceMs: number; notice?: (text: string) => void }): Promise<StoreLocks> {
    const client = await connectStore(config, { timeoutMs: options.timeoutMs, purpose: `lock ${request.runId}` });
    const held: Held[] = [];
    let shared = false;
    try {
      await ensureSchema(config, client);
      const start = (await client.query<{ pid: number; held: number }>(HELD_SQL)).rows[0]!;
      const first = start.pid;
      // A session this engine just opened holds nothing; one that holds advisory locks already is another
      // client's, handed to us by a pooling proxy (whose locks we must not touch).
      if (start.held > 0) {
        shared = true;
        throw new ReadybookError('RB054', `the store ${config.label} gave this new connection a PostgreSQL session (backend ${first}) that already holds ${start.held} advisory lock${start.held === 1 ? '' : 's'}: a pooling proxy shares sessions between clients, and session advisory locks cannot exclude anyone through it`);
      }
      const names = [runbookLockName(request.runbookId), ...request.resources.map(resourceLockName)];
      for (const name of names) {
        const key = lockKey(name);
        // A holder that ends between our try and our look is no holder: try again (a few times).
        let generation = await take(client, name, key, request);
        for (let retry = 0; generation === undefined && retry < 3; retry += 1) {
          const refused = await refusal(config, client, name, key, request);
          if (refused) throw refused;
          generation = await take(client, name, key, request);
        }
        if (generation === undefined) throw (await refusal(config, client, name, key, request)) ?? new ReadybookError(name.startsWith('resource:') ? 'RB051' : 'RB050', `${name.replace(':', ' ')} is locked by runs that keep starting and ending in the store ${config.label}`);
        held.push({ name, key, generation });
      }
      // A transaction-pooling proxy (PgBouncer pool_mode=transaction) hands each transaction to any
      // server connection: the session locks would stay behind on a connection this run no longer has.
      const check = (await client.query<{ pid: number; held: number }>(HELD_SQL)).rows[0]!;
      if (check.pid !== first || check.held < held.length) throw pooled(config, first, check.pid);
      return new StoreLocks(config, request, held, client, first, options);
    } catch (error) {
      if (!shared) await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      if (held.length > 0) await client.query('DELETE FROM readybook_locks WHERE name = ANY($1) AND run_id = $2', [held.map((h) => h.name), request.runId]).catch(() => undefined);
      await client.end().catch(() => undefined);
      if (error instanceof ReadybookError) throw error;
      throw new ReadybookError('RB053', `the store ${config.label} failed while taking the locks of run ${request.runId}: ${reason(config, error)}`);
    }
  }

  /** The names held, for messages. */
  get names(): string[] {
    return this.held.map((h) => h.name);
  }

  /**
   * Before a step starts: resolves with undefined while the locks are held (regained after a dropped
   * connection if nobody took them in between), or with the reason exclusivity is no longer guaranteed.
   */
  async ensure(stop?: AbortSignal): Promise<string | undefined> {
    if (!this.lost) {
      try {
        const check = (await this.client.query<{ pid: number; held: number }>(HELD_SQL)).rows[0]!;
        if (check.pid === this.backendPid && check.held >= this.held.length) return undefined;
        this.lost = `the lock connection now reaches PostgreSQL backend ${check.pid} holding ${check.held} of ${this.held.length} locks, not backend ${this.backendPid} (a pooling proxy between readybook and PostgreSQL?)`;
      } catch (error) {
        this.lost = `the lock connection failed: ${reason(this.config, error)}`;
      }
    }
    return this.regain(stop);
  }

  private watch(client: StoreClient): void {
    const drop = (why: string) => {
      if (client === this.client && !this.lost) this.lost = why;
    };
    client.on('error', (error) => drop(`the lock connection dropped: ${reason(this.config, error)}`));
    client.on('end', () => drop('the lock connection was closed'));
  }

  private async regain(stop?: AbortSignal): Promise<string | undefined> {
    const why = this.lost!;
    this.options.notice?.(`the store connection holding the locks of run ${this.request.runId} was lost (${why}); no step starts until they are regained (up to ${Math.round(this.options.graceMs / 1000)} s)`);
    const old = this.client;
    void old.end().catch(() => undefined);
    const deadline = Date.now() + this.options.graceMs;
    let last = why;
    for (;;) {
      let client: StoreClient | undefined;
      try {
        client = await connectStore(this.config, { timeoutMs: this.options.timeoutMs, purpose: `lock ${this.request.runId}` });
        const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        const taken = await this.retake(client, pid);
        if (taken === true) {
          this.client = client;
          this.backendPid = pid;
          this.lost = undefined;
          this.watch(client);
          this.options.notice?.(`regained the locks of run ${this.request.runId} (${this.names.join(', ')}); nobody took them in between`);
          return undefined;
        }
        await client.end().catch(() => undefined);
        if (taken !== false) return `${why}; ${taken}`;
        last = 'another session still holds the lock';
      } catch (error) {
        if (client) await client.end().catch(() => undefined);
        last = error instanceof ReadybookError ? error.message : reason(this.config, error);
      }
      // Interrupted while waiting: the run ends without the locks, so nothing may be rolled back either.
      if (stop?.aborted) return `${why}; the run was interrupted while waiting to regain the locks`;
      if (Date.now() >= deadline) return `${why}; the locks could not be regained within ${Math.round(this.options.graceMs / 1000)} s (${last})`;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** true: every lock is ours again; false: try again later; a string: another run took one (final). */
  private async retake(client: StoreClient, pid: number): Promise<boolean | string> {
    for (const lock of this.held) {
      const { rows } = await client.query<HolderRow>('SELECT * FROM readybook_locks WHERE name = $1', [lock.name]);
      const row = rows[0];
      if (!row || row.run_id !== this.request.runId || String(row.generation) !== lock.generation) {
        await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
        return row ? `${lock.name} was taken by run ${row.run_id} (pid ${row.pid} on ${row.host}) in between` : `${lock.name} was taken and released by another run in between (its holder row is gone)`;
      }
      const [classid, objid] = lockIds(lock.key);
      const holders = await client.query<{ pid: number }>("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND classid = $1::oid AND objid = $2::oid", [classid, objid]);
      const holder = holders.rows[0]?.pid;
      // Our own old backend, still alive behind a half-open connection: end it (a role may end its own sessions).
      if (holder !== undefined && holder !== pid && holder === row.backend_pid) await client.query('SELECT pg_terminate_backend($1)', [holder]).catch(() => undefined);
      const got = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [lock.key])).rows[0]!.ok;
      if (!got) {
        await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
        return false;
      }
      await client.query('UPDATE readybook_locks SET backend_pid = $2 WHERE name = $1', [lock.name, pid]);
    }
    return true;
  }

  /** Frees the locks and deletes their holder rows (a killed engine's rows stay, naming nobody who holds the lock). */
  async release(): Promise<void> {
    const client = this.client;
    this.lost ??= 'released';
    if (client) {
      await client.query('DELETE FROM readybook_locks WHERE name = ANY($1) AND run_id = $2', [this.names, this.request.runId]).catch(() => undefined);
      // Only the locks this run took (closing the connection frees them anyway).
      await client.query('SELECT pg_advisory_unlock(key) FROM unnest($1::bigint[]) AS key', [this.held.map((h) => h.key)]).catch(() => undefined);
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * Tries one lock and, only if it was granted, records the holder: one statement, so one round trip and
 * one implicit transaction (a crash between the two cannot leave a lock without its row). Returns the
 * row's generation, or undefined when another session holds the lock. (A session lock outlives a failed
 * statement: the caller's catch unlocks everything it may hold.)
 */
async function take(client: StoreClient, name: string, key: string, request: LockRequest): Promise<string | undefined> {
  const { rows } = await client.query<{ generation: string }>(
    `WITH lock AS MATERIALIZED (SELECT pg_try_advisory_lock($7::bigint) AS ok)
     INSERT INTO readybook_locks (name, run_id, runbook, operator, host, pid, started_at, backend_pid, generation)
     SELECT $1, $2, $3, $4, $5, $6, now(), pg_backend_pid(), nextval('readybook_lock_generation') FROM lock WHERE lock.ok
     ON CONFLICT (name) DO UPDATE SET run_id = EXCLUDED.run_id, runbook = EXCLUDED.runbook, operator = EXCLUDED.operator, host = EXCLUDED.host,
       pid = EXCLUDED.pid, started_at = EXCLUDED.started_at, backend_pid = EXCLUDED.backend_pid, generation = EXCLUDED.generation
     RETURNING generation`,
    [name, request.runId, request.runbookId, request.operator, request.host, request.pid, key],
  );
  return rows[0] ? String(rows[0].generation) : undefined;
}

/**
 * The refusal, naming the holder. The row is trusted only when it belongs to the session that holds
 * the advisory lock now; a holder that has the lock but has not committed its row yet is waited for briefly.
 */
async function refusal(config: StoreConfig, client: StoreClient, name: string, key: string, request: LockRequest): Promise<ReadybookError | undefined> {
  const [classid, objid] = lockIds(key);
  let holder: HolderRow | undefined;
  let backend: number | undefined;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const locks = await client.query<{ pid: number }>("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND classid = $1::oid AND objid = $2::oid", [classid, objid]);
    backend = locks.rows[0]?.pid;
    const { rows } = await client.query<HolderRow>('SELECT * FROM readybook_locks WHERE name = $1', [name]);
    holder = rows[0];
    if (backend === undefined || (holder && holder.backend_pid === backend)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (backend === undefined) return undefined; // released meanwhile
  const resource = name.startsWith('resource:') ? name.slice('resource:'.length) : undefined;
  const who =
    holder && holder.backend_pid === backend
      ? `run ${holder.run_id}${resource ? ` of runbook ${holder.runbook}` : ''} (pid ${holder.pid} on ${holder.host}, operator ${holder.operator}, started ${holder.started_at.toISOString()})`
      : `a session (PostgreSQL backend ${backend}) that has not recorded its run yet`;
  const where = `in the store ${config.label}`;
  return resource
    ? new ReadybookError('RB051', `resource ${resource} (in \`locks:\` of runbook ${request.runbookId}) is locked by ${who} ${where}`)
    : new ReadybookError('RB050', `runbook ${request.runbookId} is locked by ${who} ${where}`);
}

function pooled(config: StoreConfig, first: number, now: number): ReadybookError {
  return new ReadybookError('RB054', `the store ${config.label} answered from PostgreSQL backend ${now} after taking the locks on backend ${first}, or lost them between two queries: session advisory locks do not survive a transaction-pooling proxy`);
}
