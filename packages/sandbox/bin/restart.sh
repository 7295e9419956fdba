#!/usr/bin/env bash
# restart.sh — stop the service and start the current release.
set -euo pipefail
bin="$(dirname "${BASH_SOURCE[0]}")"
"$bin/stop.sh"
"$bin/start.sh"
