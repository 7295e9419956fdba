#!/usr/bin/env bash
# stop.sh — stop the service (SIGTERM, then SIGKILL after 10 s). A stopped service is left alone.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
load_sandbox

pid="$(service_pid)"
if ! pid_alive "$pid"; then
  rm -f "$SANDBOX_DIR/service.pid"
  log "service not running"
  exit 0
fi
kill -TERM "$pid"
for _ in $(seq 1 100); do
  pid_alive "$pid" || break
  sleep 0.1
done
if pid_alive "$pid"; then
  log "service (pid $pid) ignored SIGTERM for 10 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
fi
rm -f "$SANDBOX_DIR/service.pid"
log "stopped service (pid $pid)"
