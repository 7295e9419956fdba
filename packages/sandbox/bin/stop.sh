#!/usr/bin/env bash
# stop.sh [--canary] — stop the service (SIGTERM, then SIGKILL after 10 s), or with --canary the release in
# the canary slot. A stopped service is left alone.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
load_sandbox

slot=service
[[ "${1:-}" == --canary ]] && slot=canary
pid="$(slot_pid "$slot")"
if ! pid_alive "$pid"; then
  rm -f "$SANDBOX_DIR/$slot.pid"
  log "$slot not running"
  exit 0
fi
stop_pid "$pid" "$slot"
rm -f "$SANDBOX_DIR/$slot.pid"
log "stopped $slot (pid $pid)"
