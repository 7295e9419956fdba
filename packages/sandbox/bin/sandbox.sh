#!/usr/bin/env bash
# The Readybook sandbox: a throwaway PostgreSQL cluster and a demo service deployed as real local releases.
#
#   sandbox.sh up [DIR]       start (or keep) a sandbox in DIR (default ./.sandbox); writes DIR/env
#   sandbox.sh down [DIR]     stop the service and PostgreSQL, remove DIR
#   sandbox.sh status [DIR]   say what is running
#   sandbox.sh env [DIR]      print DIR/env as export lines:  eval "$(sandbox.sh env)"
#   sandbox.sh <script> ...   run one of the release scripts against ./.sandbox (or $SANDBOX_DIR):
#                             build-release, migrate, switch, start, stop, restart, health, smoke,
#                             backup, verify-backup, prune-backups
#
# SANDBOX_PG_BINDIR=DIR picks the PostgreSQL bin directory (default: found on PATH, by pg_config, or in
# /usr/lib/postgresql/*/bin). When run as root, PostgreSQL runs as the postgres user.
# Exit codes: 0 done, 2 usage, 3 a prerequisite is missing, 1 anything else that failed.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }

# Where initdb and pg_ctl live: $SANDBOX_PG_BINDIR if set, else PATH, then pg_config --bindir, then the
# newest /usr/lib/postgresql/*/bin.
find_pg_bindir() {
  local dir
  if [[ -n "${SANDBOX_PG_BINDIR:-}" ]]; then
    [[ -x "$SANDBOX_PG_BINDIR/initdb" && -x "$SANDBOX_PG_BINDIR/pg_ctl" ]] ||
      die 3 "SANDBOX_PG_BINDIR=$SANDBOX_PG_BINDIR has no initdb and pg_ctl; point it at the bin directory of a PostgreSQL server installation (e.g. /usr/lib/postgresql/15/bin) or unset it."
    echo "$SANDBOX_PG_BINDIR"; return
  fi
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dir="$(dirname "$(readlink -f "$(command -v initdb)")")"
    [[ -x "$dir/pg_ctl" ]] && { echo "$dir"; return; }
  fi
  if command -v pg_config >/dev/null; then
    dir="$(pg_config --bindir 2>/dev/null || true)"
    [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && { echo "$dir"; return; }
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && { echo "$dir"; return; }
  done
  die 3 "PostgreSQL server tools (initdb, pg_ctl) were not found on PATH, through pg_config --bindir or in /usr/lib/postgresql/*/bin; install PostgreSQL (Debian: apt-get install postgresql) and run this again."
}

# Runs a PostgreSQL server program as the postgres user when we are root (initdb refuses root).
as_pg() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  "$(find_service_node)" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

pg_running() { as_pg "$SANDBOX_PGBIN/pg_ctl" -D "$SANDBOX_PGDATA" status >/dev/null 2>&1; }

start_postgres() {
  as_pg "$SANDBOX_PGBIN/pg_ctl" -D "$SANDBOX_PGDATA" -l "$SANDBOX_PGROOT/server.log" -w -t 60 \
    -o "-p $PGPORT -k $SANDBOX_PGROOT -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null ||
    die 1 "PostgreSQL did not start; see $SANDBOX_PGROOT/server.log"
}

write_env() {
  {
    echo "# Readybook sandbox, written by sandbox.sh up on $(date -u +%Y-%m-%dT%H:%M:%SZ). Source it: . DIR/env"
    local name
    for name in PGHOST PGPORT PGUSER PGDATABASE SANDBOX_DIR SERVICE_PORT SANDBOX_PGBIN SANDBOX_PGROOT SANDBOX_PGDATA SANDBOX_NODE; do
      printf 'export %s=%q\n' "$name" "${!name}"
    done
    echo "export PGOPTIONS='-c client_min_messages=warning'  # quiet the NOTICEs of IF EXISTS / IF NOT EXISTS"
  } >"$SANDBOX_DIR/env"
}

cmd_up() {
  SANDBOX_DIR="$(resolve_sandbox_dir "${1:-}")"
  if [[ -f "$SANDBOX_DIR/env" ]]; then
    load_sandbox "$SANDBOX_DIR"
    if pg_running; then
      log "already up in $SANDBOX_DIR (PostgreSQL on 127.0.0.1:$PGPORT)"
    else
      log "restarting PostgreSQL of the existing sandbox in $SANDBOX_DIR"
      start_postgres
    fi
    return
  fi
  SANDBOX_PGBIN="$(find_pg_bindir)"
  for tool in pg_dump pg_restore psql createdb; do
    [[ -x "$SANDBOX_PGBIN/$tool" ]] || die 3 "$tool is missing from $SANDBOX_PGBIN; install the PostgreSQL client tools."
  done
  SANDBOX_NODE="$(find_service_node)"
  mkdir -p "$SANDBOX_DIR"/{releases,backups}

  # The cluster lives in DIR/pg, unless we are root and the postgres user cannot reach DIR (e.g. under /root).
  SANDBOX_PGROOT="$SANDBOX_DIR/pg"
  if [[ "$(id -u)" == 0 ]]; then
    mkdir -p "$SANDBOX_PGROOT" && chown postgres "$SANDBOX_PGROOT"
    if ! runuser -u postgres -- test -w "$SANDBOX_PGROOT"; then
      rmdir "$SANDBOX_PGROOT"
      SANDBOX_PGROOT="$(mktemp -d /tmp/readybook-sandbox-pg.XXXXXX)"
      chown postgres "$SANDBOX_PGROOT"
      log "the postgres user cannot reach $SANDBOX_DIR; the cluster lives in $SANDBOX_PGROOT"
    fi
  else
    mkdir -p "$SANDBOX_PGROOT"
  fi
  SANDBOX_PGDATA="$SANDBOX_PGROOT/data"
  PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=app
  PGPORT="$(free_port)"
  SERVICE_PORT="$(free_port)"
  [[ "$SERVICE_PORT" != "$PGPORT" ]] || SERVICE_PORT="$(free_port)"

  as_pg "$SANDBOX_PGBIN/initdb" -D "$SANDBOX_PGDATA" -U postgres --auth=trust -E UTF8 --no-sync >"$SANDBOX_PGROOT/initdb.log" 2>&1 ||
    die 1 "initdb failed; see $SANDBOX_PGROOT/initdb.log"
  write_env
  start_postgres
  "$SANDBOX_PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres app
  log "up: PostgreSQL on 127.0.0.1:$PGPORT (database app), service port $SERVICE_PORT; env in $SANDBOX_DIR/env"
}

cmd_down() {
  SANDBOX_DIR="$(resolve_sandbox_dir "${1:-}")"
  if [[ ! -e "$SANDBOX_DIR" ]]; then log "no sandbox at $SANDBOX_DIR; nothing to do"; return; fi
  if [[ ! -f "$SANDBOX_DIR/env" ]]; then
    [[ -z "$(ls -A "$SANDBOX_DIR")" ]] || die 1 "$SANDBOX_DIR has no env file, so it does not look like a sandbox; not removing it"
    rmdir "$SANDBOX_DIR"; return
  fi
  load_sandbox "$SANDBOX_DIR"
  "$SANDBOX_BIN/stop.sh" || true
  if pg_running; then as_pg "$SANDBOX_PGBIN/pg_ctl" -D "$SANDBOX_PGDATA" -m fast -w stop >/dev/null; fi
  [[ "$SANDBOX_PGROOT" == "$SANDBOX_DIR"/* ]] || rm -rf "$SANDBOX_PGROOT"
  rm -rf "$SANDBOX_DIR"
  log "down: removed $SANDBOX_DIR"
}

cmd_status() {
  SANDBOX_DIR="$(resolve_sandbox_dir "${1:-}")"
  if [[ ! -f "$SANDBOX_DIR/env" ]]; then echo "sandbox: down (no $SANDBOX_DIR/env)"; exit 1; fi
  load_sandbox "$SANDBOX_DIR"
  local pg=stopped svc=stopped pid
  pg_running && pg="running on 127.0.0.1:$PGPORT"
  pid="$(service_pid)"
  pid_alive "$pid" && svc="running (pid $pid) on 127.0.0.1:$SERVICE_PORT"
  echo "sandbox:   $SANDBOX_DIR"
  echo "postgres:  $pg"
  echo "service:   $svc"
  echo "current:   $(current_version)"
  echo "previous:  $(previous_version)"
  echo "releases:  $(ls "$SANDBOX_DIR/releases" | tr '\n' ' ')"
  echo "backups:   $(find "$SANDBOX_DIR/backups" -name '*.dump' | wc -l)"
}

cmd_env() {
  SANDBOX_DIR="$(resolve_sandbox_dir "${1:-}")"
  [[ -f "$SANDBOX_DIR/env" ]] || die 1 "no sandbox at $SANDBOX_DIR"
  grep '^export ' "$SANDBOX_DIR/env"
}

[[ $# -ge 1 ]] || usage
command="$1"; shift
case "$command" in
  up | down | status | env) "cmd_$command" "$@" ;;
  build-release | migrate | switch | start | stop | restart | prune-backups | verify-backup)
    exec "$SANDBOX_BIN/$command.sh" "$@" ;;
  health | smoke | backup)
    load_sandbox
    exec "$(find_service_node)" "$SANDBOX_BIN/$command.mjs" "$@" ;;
  -h | --help | help) usage 0 ;;
  *) echo "sandbox: unknown command '$command'" >&2; usage ;;
esac
