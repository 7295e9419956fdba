#!/usr/bin/env bash
# switch.sh VERSION — point SANDBOX_DIR/current at releases/VERSION (atomically) and remember the release it
# pointed at before as SANDBOX_DIR/previous. It does not restart the service: run restart.sh after it.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
load_sandbox

version="${1:-}"
[[ -n "$version" ]] || die 2 "usage: switch.sh VERSION"
[[ -f "$SANDBOX_DIR/releases/$version/release.json" ]] || die 1 "release $version is not built; run build-release.sh $version first"

from="$(current_version)"
if [[ "$from" == "$version" ]]; then
  log "current is already $version"
  exit 0
fi
if [[ "$from" != none ]]; then
  ln -sfn "releases/$from" "$SANDBOX_DIR/previous.new" && mv -T "$SANDBOX_DIR/previous.new" "$SANDBOX_DIR/previous"
fi
ln -sfn "releases/$version" "$SANDBOX_DIR/current.new" && mv -T "$SANDBOX_DIR/current.new" "$SANDBOX_DIR/current"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $from -> $version" >>"$SANDBOX_DIR/history"
log "current: $from -> $version"
