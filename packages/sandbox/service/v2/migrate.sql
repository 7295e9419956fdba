-- v2: v1's tables plus items.created_by. Expand-only (a new column with a default), so v1 keeps
-- working on this schema and a rollback to v1 needs no down-migration. Idempotent.
CREATE TABLE IF NOT EXISTS schema_migrations (
  version text PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS items (
  id serial PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE items ADD COLUMN IF NOT EXISTS created_by text NOT NULL DEFAULT 'anonymous';
INSERT INTO schema_migrations (version) VALUES ('v2') ON CONFLICT DO NOTHING;
