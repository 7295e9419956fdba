/**
 * The store's tables, created and migrated by the engine itself (client.ts ensureSchema): each
 * migration runs once, in order, in one transaction, and its number is recorded in
 * readybook_schema_version. Never edit a released migration: add the next one (ADR 0024).
 */
export interface Migration {
  version: number;
  statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      // Who holds each lock. The lock itself is a session advisory lock on the holder's connection;
      // the row only names the holder, so a refusal can say who it is. `generation` grows with every
      // acquisition: a holder that lost its connection regains its lock only if nobody took it since.
      'CREATE SEQUENCE readybook_lock_generation',
      `CREATE TABLE readybook_locks (
        name text PRIMARY KEY,
        run_id text NOT NULL,
        runbook text NOT NULL,
        operator text NOT NULL,
        host text NOT NULL,
        pid integer NOT NULL,
        started_at timestamptz NOT NULL,
        backend_pid integer NOT NULL,
        generation bigint NOT NULL
      )`,
      // One row a run: its summary for `runs`, and its report once it has one.
      `CREATE TABLE readybook_runs (
        run_id text PRIMARY KEY,
        runbook text NOT NULL,
        status text NOT NULL,
        started_at timestamptz NOT NULL,
        operator text NOT NULL,
        host text NOT NULL,
        report jsonb,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      'CREATE INDEX readybook_runs_by_runbook ON readybook_runs (runbook, run_id DESC)',
      // Every journal line exactly as written, so the hash chain verifies from the store alone.
      `CREATE TABLE readybook_events (
        run_id text NOT NULL,
        seq integer NOT NULL,
        line text NOT NULL,
        PRIMARY KEY (run_id, seq)
      )`,
      // The files a run leaves besides its journal: report.json, report.md, the seal and its signature.
      `CREATE TABLE readybook_run_files (
        run_id text NOT NULL,
        name text NOT NULL,
        content text NOT NULL,
        PRIMARY KEY (run_id, name)
      )`,
    ],
  },
  {
    version: 2,
    statements: [
      // Checklist evaluations written with `check --write`: the gate's verdict as each machine saw it.
      `CREATE TABLE readybook_evaluations (
        checklist text NOT NULL,
        evaluated_at timestamptz NOT NULL,
        host text NOT NULL,
        operator text NOT NULL,
        verdict text NOT NULL,
        evaluation jsonb NOT NULL,
        PRIMARY KEY (checklist, evaluated_at, host)
      )`,
    ],
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
