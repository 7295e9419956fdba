import type pg from 'pg';
import { ReadybookError } from '../errors.js';
import { maskStoreText, type StoreConfig } from './config.js';
import { LATEST_VERSION, MIGRATIONS } from './schema.js';

/** How long a connection attempt or a query may take before the store counts as unreachable (READYBOOK_STORE_TIMEOUT, seconds). */
export function storeTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.READYBOOK_STORE_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : 5_000;
}

export type StoreClient = pg.Client;

/**
 * Opens a connection to the store (node-postgres). The client always has an `error` listener: a
 * connection that drops (the server restarted, the network went) is reported to `onError` instead of
 * crashing the engine, which keeps running on its local journal.
 */
export async function connectStore(config: StoreConfig, options: { timeoutMs: number; onError?: (error: Error) => void; purpose?: string }): Promise<StoreClient> {
  // Loaded only when a store is configured: the CLI starts without it otherwise (ADR 0011).
  const { default: driver } = await import('pg');
  const client = new driver.Client({
    connectionString: config.url,
    connectionTimeoutMillis: options.timeoutMs,
    query_timeout: options.timeoutMs,
    keepAlive: true,
    application_name: `readybook${options.purpose ? ` ${options.purpose}` : ''}`,
  });
  client.on('error', (error) => options.onError?.(error));
  try {
    await client.connect();
  } catch (error) {
    void client.end().catch(() => undefined);
    throw unreachable(config, error);
  }
  return client;
}

/** RB053 for a store that does not answer, with the driver's reason and the password masked. */
export function unreachable(config: StoreConfig, error: unknown): ReadybookError {
  return new ReadybookError('RB053', `the store ${config.label} does not answer: ${reason(config, error)}`);
}

/** The driver's error as a masked sentence fragment. */
export function reason(config: StoreConfig, error: unknown): string {
  const e = error as { message?: string; code?: string; errors?: Array<{ message?: string }> };
  // An AggregateError (IPv4 and IPv6 both refused) has an empty message of its own.
  const message = e?.message || e?.errors?.map((x) => x.message).filter(Boolean).join('; ') || e?.code || String(error);
  return maskStoreText(config, message);
}

/**
 * Brings the store's tables to this engine's schema version, once per connection. The common case
 * (already current) is one query; migrating takes a transaction-scoped advisory lock so that twenty
 * engines meeting an empty database migrate it once. A store newer than this engine is refused: an
 * old engine must not write rows a newer schema reads differently.
 */
export async function ensureSchema(config: StoreConfig, client: StoreClient): Promise<void> {
  const current = await schemaVersion(client);
  if (current === LATEST_VERSION) return;
  if (current !== undefined && current > LATEST_VERSION) throw newerSchema(config, current);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query('CREATE TABLE IF NOT EXISTS readybook_schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM readybook_schema_version');
    const from = rows[0]?.version ?? 0;
    if (from > LATEST_VERSION) throw newerSchema(config, from);
    for (const migration of MIGRATIONS.filter((m) => m.version > from)) {
      for (const statement of migration.statements) await client.query(statement);
      await client.query('INSERT INTO readybook_schema_version (version) VALUES ($1)', [migration.version]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (error instanceof ReadybookError) throw error;
    throw new ReadybookError('RB055', `cannot bring the store ${config.label} to schema version ${LATEST_VERSION}: ${reason(config, error)}`);
  }
}

async function schemaVersion(client: StoreClient): Promise<number | undefined> {
  try {
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM readybook_schema_version');
    return rows[0]?.version ?? undefined;
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return undefined; // undefined_table: a new store
    throw error;
  }
}

function newerSchema(config: StoreConfig, version: number): ReadybookError {
  return new ReadybookError('RB055', `the store ${config.label} has schema version ${version}, newer than the ${LATEST_VERSION} this readybook knows`, {
    hint: 'Upgrade readybook on this machine: an older engine does not write to a store a newer one has migrated.',
  });
}

/** The key of the transaction-scoped lock that serialises migrations (any fixed bigint; "readybook" in ASCII, truncated). */
const MIGRATION_LOCK_KEY = '8241111257402781291';
