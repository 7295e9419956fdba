#!/usr/bin/env bash
# check-lb.sh [DIR] — what the load-test, zero-downtime-deploy and canary-deploy runbooks check first: the
# sandbox is ready (check-sandbox.sh), HAProxy answers on its runtime API and its frontend, Prometheus is
# ready, and a release answers /health through HAProxy. Exit 0 ready, 1 with one sentence saying what is missing.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

dir="$(resolve_sandbox_dir "${1:-}")"
"$SANDBOX_BIN/check-sandbox.sh" "$dir"
load_sandbox "$dir"
[[ -n "${PROXY_PORT:-}" && -n "${SANDBOX_HAPROXY:-}" && -n "${SANDBOX_PROMETHEUS:-}" ]] ||
  die 1 "the sandbox at $dir has no HAProxy or Prometheus (they were not installed when it was made); install them (Debian: apt-get install haproxy prometheus), then: sandbox.sh down $dir; sandbox.sh up $dir"
node="$(find_service_node)"
pid_alive "$(slot_pid haproxy)" && "$node" "$SANDBOX_BIN/lb.mjs" show >/dev/null ||
  die 1 "HAProxy of the sandbox is not running or its runtime API ($LB_SOCKET) does not answer; start it again with: sandbox.sh up $dir"
http_ok "http://127.0.0.1:$PROM_PORT/-/ready" ||
  die 1 "Prometheus of the sandbox does not answer on 127.0.0.1:$PROM_PORT; start it again with: sandbox.sh up $dir"
http_ok "http://127.0.0.1:$PROXY_PORT/health" ||
  die 1 "no release answers /health through HAProxy (127.0.0.1:$PROXY_PORT); deploy one first: readybook run deploy --param VERSION=v1"
log "HAProxy on 127.0.0.1:$PROXY_PORT and Prometheus on 127.0.0.1:$PROM_PORT are ready; serving: $(current_version)"
