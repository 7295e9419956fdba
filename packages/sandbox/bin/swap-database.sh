#!/usr/bin/env bash
# swap-database.sh INCOMING [OUTGOING] — make database INCOMING the live one ($PGDATABASE). The live
# database, if there is one, is closed to new connections, its sessions are ended, and it is renamed to
# OUTGOING (kept, never dropped). Stop the service before and start it after: its connections are cut.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
load_sandbox

incoming="${1:-}" outgoing="${2:-}"
[[ -n "$incoming" ]] || die 2 "usage: swap-database.sh INCOMING [OUTGOING]"
live="$PGDATABASE"
sql() { "$SANDBOX_PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d postgres -v incoming="$incoming" -v outgoing="$outgoing" -v live="$live" "$@"; }
exists() { [[ "$(sql -v name="$1" <<<"SELECT count(*) FROM pg_database WHERE datname = :'name'")" == 1 ]]; }

exists "$incoming" || die 1 "database $incoming does not exist; nothing to switch in"
if exists "$live"; then
  [[ -n "$outgoing" ]] || die 2 "database $live exists; name where it goes: swap-database.sh $incoming OUTGOING"
  ! exists "$outgoing" || die 1 "database $outgoing already exists; refusing to overwrite it"
  sql >/dev/null <<'SQL'
ALTER DATABASE :"live" ALLOW_CONNECTIONS false;
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :'live' AND pid <> pg_backend_pid();
ALTER DATABASE :"live" RENAME TO :"outgoing";
SQL
  log "moved the live database $live aside as $outgoing"
fi
sql >/dev/null <<'SQL'
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :'incoming' AND pid <> pg_backend_pid();
ALTER DATABASE :"incoming" RENAME TO :"live";
ALTER DATABASE :"live" ALLOW_CONNECTIONS true;
SQL
log "database $incoming is now live as $live"
