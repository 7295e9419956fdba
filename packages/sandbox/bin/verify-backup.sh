#!/usr/bin/env bash
# verify-backup.sh BACKUP [--check read-back|checksums] — check a backup before anyone trusts it: every file at
# its size (a truncated file), its SHA-256 against BACKUP.sha256 (any changed byte), pg_restore can read its
# table of contents, and (read-back, the default) every table's data decompresses to its end with the row count
# the manifest took in the dump's snapshot. See verify-backup.mjs. Exit 0 sound, 1 refused (reason on stderr).
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

[[ -n "${1:-}" ]] || die 2 "usage: verify-backup.sh BACKUP [--check read-back|checksums]"
exec "${SANDBOX_NODE:-$(find_service_node)}" "$SANDBOX_BIN/verify-backup.mjs" "$@"
