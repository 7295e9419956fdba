#!/usr/bin/env bash
# build-release.sh VERSION — build SANDBOX_DIR/releases/VERSION from packages/sandbox/service.
# A release is service/common + service/VERSION, a release.json, and node_modules linked to this package's
# (for `pg`). A version directory with a BASE file (e.g. service/broken, BASE=v2) is an overlay: the base
# version is copied first, and a base file the overlay replaces stays beside it as NAME.base.EXT.
# Releases are immutable: building one that exists is a no-op.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

version="${1:-}"
[[ "$version" =~ ^[a-z0-9][a-z0-9._-]*$ ]] || die 2 "usage: build-release.sh VERSION (one of: $(ls "$SANDBOX_PKG/service" | grep -v '^common$' | tr '\n' ' '))"
load_sandbox
source_dir="$SANDBOX_PKG/service/$version"
[[ -d "$source_dir" ]] || die 2 "no service version '$version' in $SANDBOX_PKG/service (have: $(ls "$SANDBOX_PKG/service" | grep -v '^common$' | tr '\n' ' '))"
[[ -d "$SANDBOX_PKG/node_modules/pg" ]] || die 3 "the pg module is not installed in $SANDBOX_PKG/node_modules; run pnpm install at the repository root"

release="$SANDBOX_DIR/releases/$version"
if [[ -f "$release/release.json" ]]; then
  log "release $version is already built at $release"
  exit 0
fi

staging="$(mktemp -d "$SANDBOX_DIR/releases/.$version.XXXXXX")"
chmod 755 "$staging"
trap 'rm -rf "$staging"' EXIT
cp -R "$SANDBOX_PKG/service/common/." "$staging/"
base=""
if [[ -f "$source_dir/BASE" ]]; then
  base="$(tr -d '[:space:]' <"$source_dir/BASE")"
  cp -R "$SANDBOX_PKG/service/$base/." "$staging/"
  for file in "$source_dir"/*; do
    name="$(basename "$file")"
    [[ "$name" != BASE && -e "$staging/$name" ]] && mv "$staging/$name" "$staging/${name%.*}.base.${name##*.}"
  done
fi
find "$source_dir" -mindepth 1 -maxdepth 1 ! -name BASE -exec cp -R {} "$staging/" \;
ln -s "$SANDBOX_PKG/node_modules" "$staging/node_modules"

commit="$(git -C "$SANDBOX_PKG" rev-parse --short HEAD 2>/dev/null || echo unknown)"
cat >"$staging/release.json" <<JSON
{
  "version": "$version",
  "base": "${base:-$version}",
  "builtAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "sourceCommit": "$commit",
  "node": ">=20.19"
}
JSON

node="$(find_service_node)"
for file in "$staging"/*.mjs; do "$node" --check "$file" || die 1 "release $version does not parse: $file"; done
mv -T "$staging" "$release" 2>/dev/null || log "release $version was built concurrently; keeping that one"
trap - EXIT
log "built release $version at $release"
