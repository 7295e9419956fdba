#!/usr/bin/env bash
# check-sandbox.sh [DIR] — the prerequisites every sandbox runbook checks first: the sandbox exists, its
# PostgreSQL answers, the PostgreSQL client tools are there and Node.js is 20.19 or newer.
# Exit 0 ready, 1 with one sentence saying what is missing and how to get it.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

dir="$(resolve_sandbox_dir "${1:-}")"
[[ -f "$dir/env" ]] || die 1 "no sandbox at $dir (no $dir/env); start one with: packages/sandbox/bin/sandbox.sh up $dir"
load_sandbox "$dir"
for tool in pg_dump pg_restore psql createdb dropdb pg_isready; do
  [[ -x "$SANDBOX_PGBIN/$tool" ]] || die 1 "the PostgreSQL client tool $tool is missing from $SANDBOX_PGBIN; install the PostgreSQL client (Debian: apt-get install postgresql-client)"
done
"$SANDBOX_PGBIN/pg_isready" -q -t 5 ||
  die 1 "the sandbox's PostgreSQL does not answer on $PGHOST:$PGPORT; start it again with: packages/sandbox/bin/sandbox.sh up $dir"
node="$(find_service_node)"
"$node" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)' ||
  die 1 "the service needs Node.js 20.19 or newer; $node is $("$node" --version)"
log "sandbox $dir is ready: PostgreSQL on $PGHOST:$PGPORT, database $PGDATABASE, service port $SERVICE_PORT, node $("$node" --version)"
