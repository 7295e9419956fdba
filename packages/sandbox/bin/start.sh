#!/usr/bin/env bash
# start.sh [--canary VERSION] — start the current release as a background process (pid in
# SANDBOX_DIR/service.pid, output in SANDBOX_DIR/service.log), detached from the caller's session. A running
# service is left alone. With --canary, start release VERSION in the canary slot instead: beside the stable
# service, on $CANARY_PORT, pid in canary.pid, output in canary.log (HAProxy's second server).
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
load_sandbox

slot=service port="$SERVICE_PORT"
if [[ "${1:-}" == --canary ]]; then
  [[ -n "${2:-}" ]] || die 2 "usage: start.sh [--canary VERSION]"
  [[ -n "${CANARY_PORT:-}" ]] || die 3 "this sandbox has no canary slot (no CANARY_PORT in $SANDBOX_DIR/env); recreate it: sandbox.sh down; sandbox.sh up"
  slot=canary port="$CANARY_PORT"
fi
pid="$(slot_pid "$slot")"
if pid_alive "$pid"; then
  log "$slot already running (pid $pid)"
  exit 0
fi
if [[ "$slot" == canary ]]; then
  version="$2"
  [[ -f "$SANDBOX_DIR/releases/$version/release.json" ]] || die 1 "release $version is not built; run build-release.sh $version first"
else
  version="$(current_version)"
  [[ "$version" != none ]] || die 1 "no release is current; build one and switch to it first (build-release.sh VERSION; switch.sh VERSION)"
fi
release="$(cd "$SANDBOX_DIR/releases/$version" && pwd -P)"
node="$(find_service_node)"

cd "$release"
# setsid: the service outlives the runbook step that started it; all three fds are redirected so the step's
# output pipes close when the step ends.
SERVICE_PORT="$port" setsid "$node" server.mjs </dev/null >>"$SANDBOX_DIR/$slot.log" 2>&1 &
pid=$!
echo "$pid" >"$SANDBOX_DIR/$slot.pid"
sleep 0.3
pid_alive "$pid" || die 1 "$slot $version exited at once; last lines of $SANDBOX_DIR/$slot.log:
$(tail -n 5 "$SANDBOX_DIR/$slot.log")"
log "started $slot $version (pid $pid, node $("$node" --version)) on 127.0.0.1:$port"
