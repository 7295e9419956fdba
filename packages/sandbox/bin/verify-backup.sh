#!/usr/bin/env bash
# verify-backup.sh FILE — check a backup before anyone trusts it: its size against the manifest (a truncated
# file), its SHA-256 against FILE.sha256 (any changed byte), and that pg_restore can read its table of contents.
# Exit 0 sound, 1 refused (with the reason on stderr).
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

file="${1:-}"
[[ -n "$file" ]] || die 2 "usage: verify-backup.sh FILE"
[[ -f "$file" ]] || die 1 "backup $file does not exist"
dir="$(cd "$(dirname "$file")" && pwd)"
name="$(basename "$file")"
manifest="$dir/${name%.dump}.manifest.json"
[[ -f "$dir/$name.sha256" ]] || die 1 "refusing $file: it has no checksum file ($name.sha256), so it cannot be trusted"
[[ -f "$manifest" ]] || die 1 "refusing $file: it has no manifest ($(basename "$manifest"))"

bytes="$(stat -c %s "$file")"
expected="$(sed -n 's/^ *"bytes": *\([0-9]*\).*/\1/p' "$manifest")"
[[ "$bytes" == "$expected" ]] || die 1 "refusing $file: it is $bytes bytes but was $expected bytes when it was made (truncated or replaced)"
(cd "$dir" && sha256sum --check --status "$name.sha256") ||
  die 1 "refusing $file: its SHA-256 checksum does not match $name.sha256 (the file is corrupted)"
"${SANDBOX_PGBIN:-$(dirname "$(command -v pg_restore)")}/pg_restore" --list "$file" >/dev/null 2>&1 ||
  die 1 "refusing $file: pg_restore cannot read its table of contents"
log "backup $name is sound: $bytes bytes, SHA-256 matches, pg_restore can read it"
