#!/usr/bin/env bash
# migrate.sh [VERSION] — apply a release's migrate.sql to the sandbox database (default: the current release).
# Migrations are idempotent and expand-only, so running one twice, or running an older one, changes nothing.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
load_sandbox

version="${1:-$(current_version)}"
[[ "$version" != none ]] || die 1 "no release is current; name the release to migrate: migrate.sh VERSION"
sql="$SANDBOX_DIR/releases/$version/migrate.sql"
[[ -f "$sql" ]] || die 1 "release $version is not built (no $sql); run build-release.sh $version first"

"$SANDBOX_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 --single-transaction -f "$sql" >/dev/null
applied="$("$SANDBOX_PGBIN/psql" -X -At -c "SELECT string_agg(version, ',' ORDER BY version) FROM schema_migrations")"
log "migrated $PGDATABASE for release $version (applied: $applied)"
