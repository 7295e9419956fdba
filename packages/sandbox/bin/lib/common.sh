# Shared helpers for the sandbox scripts. Source it; do not run it.
# shellcheck shell=bash

SANDBOX_PKG="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SANDBOX_BIN="$SANDBOX_PKG/bin"

die() { # die CODE MESSAGE...
  local code="$1"; shift
  echo "sandbox: $*" >&2
  exit "$code"
}

log() { echo "sandbox: $*" >&2; }

# The sandbox directory: $SANDBOX_DIR (set by DIR/env), else $SANDBOX, else ./.sandbox. Printed absolute.
resolve_sandbox_dir() {
  local dir="${1:-${SANDBOX_DIR:-${SANDBOX:-.sandbox}}}"
  case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
  echo "${dir%/}"
}

# Loads DIR/env into the environment, or stops with a clear message.
load_sandbox() {
  SANDBOX_DIR="$(resolve_sandbox_dir "${1:-}")"
  [[ -f "$SANDBOX_DIR/env" ]] ||
    die 3 "no sandbox at $SANDBOX_DIR (missing $SANDBOX_DIR/env); start one with: packages/sandbox/bin/sandbox.sh up $SANDBOX_DIR"
  set -a
  # shellcheck disable=SC1091
  source "$SANDBOX_DIR/env"
  set +a
}

# The Node.js the demo service runs on: $SANDBOX_NODE, else the first `node` on PATH outside node_modules/.bin
# (pnpm puts the repo's pinned Node 24 first; the service must run on the system Node 20).
find_service_node() {
  if [[ -n "${SANDBOX_NODE:-}" && -x "$SANDBOX_NODE" ]]; then echo "$SANDBOX_NODE"; return; fi
  local entry
  local IFS=:
  for entry in $PATH; do
    [[ "$entry" == */node_modules/.bin ]] && continue
    if [[ -x "$entry/node" ]]; then echo "$entry/node"; return; fi
  done
  command -v node || die 3 "node is not installed; the demo service needs Node.js 20.19 or newer"
}

# A process that has exited but not been reaped yet (a zombie: some init processes reap slowly) counts as gone.
pid_alive() {
  [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null || return 1
  [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]
}

# slot_pid service|canary|haproxy|prometheus: the pid in SANDBOX_DIR/NAME.pid, or nothing.
slot_pid() { [[ -f "$SANDBOX_DIR/$1.pid" ]] && cat "$SANDBOX_DIR/$1.pid" || true; }
service_pid() { slot_pid service; }

# stop_pid PID NAME: SIGTERM, then SIGKILL if it is still there after 10 s.
stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do
    pid_alive "$1" || return 0
    sleep 0.1
  done
  log "$2 (pid $1) ignored SIGTERM for 10 s; killing it"
  kill -KILL "$1" 2>/dev/null || true
}

current_version() {
  if [[ -L "$SANDBOX_DIR/current" ]]; then basename "$(readlink "$SANDBOX_DIR/current")"; else echo none; fi
}

previous_version() {
  if [[ -L "$SANDBOX_DIR/previous" ]]; then basename "$(readlink "$SANDBOX_DIR/previous")"; else echo none; fi
}

# http_ok URL: 0 when a GET of URL answers 200 within 3 s.
http_ok() {
  "$(find_service_node)" -e 'require("http").get(process.argv[1],{timeout:3000},(r)=>process.exit(r.statusCode===200?0:1)).on("error",()=>process.exit(1)).on("timeout",()=>process.exit(1))' "$1"
}

# Seconds since the epoch with milliseconds, for durations.
now_seconds() { date +%s.%3N; }
