#!/usr/bin/env bash
# start.sh — start the current release as a background process (pid in SANDBOX_DIR/service.pid, output in
# SANDBOX_DIR/service.log), detached from the caller's session. A running service is left alone.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
load_sandbox

pid="$(service_pid)"
if pid_alive "$pid"; then
  log "service already running (pid $pid)"
  exit 0
fi
version="$(current_version)"
[[ "$version" != none ]] || die 1 "no release is current; build one and switch to it first (build-release.sh VERSION; switch.sh VERSION)"
release="$(cd "$SANDBOX_DIR/releases/$version" && pwd -P)"
node="$(find_service_node)"

cd "$release"
# setsid: the service outlives the runbook step that started it; all three fds are redirected so the step's
# output pipes close when the step ends.
setsid "$node" server.mjs </dev/null >>"$SANDBOX_DIR/service.log" 2>&1 &
pid=$!
echo "$pid" >"$SANDBOX_DIR/service.pid"
sleep 0.3
pid_alive "$pid" || die 1 "service $version exited at once; last lines of $SANDBOX_DIR/service.log:
$(tail -n 5 "$SANDBOX_DIR/service.log")"
log "started $version (pid $pid, node $("$node" --version)) on 127.0.0.1:$SERVICE_PORT"
