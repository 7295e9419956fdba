#!/usr/bin/env bash
# prune-backups.sh DIR KEEP [PROTECT] — retention: keep the newest KEEP backups in DIR (by the time stamp in
# their names) and delete the rest (a dump directory, or a single-file dump from before) with their .sha256
# and .manifest.json. PROTECT (the backup just made) is
# never deleted, whatever KEEP says. Prints BACKUPS_KEPT and BACKUPS_DELETED as KEY=value lines.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

dir="${1:-}" keep="${2:-}" protect="${3:-}"
[[ -d "$dir" && "$keep" =~ ^[0-9]+$ ]] || die 2 "usage: prune-backups.sh DIR KEEP [PROTECT]"
if ((keep < 1)); then
  log "KEEP=$keep would delete every backup; keeping 1"
  keep=1
fi
protect_name="$(basename "${protect:-none}")"

kept=0 deleted=0
while IFS= read -r name; do
  if ((kept < keep)) || [[ "$name" == "$protect_name" ]]; then
    kept=$((kept + 1))
  else
    rm -rf "${dir:?}/$name" "$dir/$name.sha256" "$dir/${name%.dump}.manifest.json"
    log "deleted old backup $name"
    deleted=$((deleted + 1))
  fi
done < <(find "$dir" -maxdepth 1 -name '*.dump' -printf '%f\n' | sort -r)
log "retention: kept $kept, deleted $deleted (KEEP=$keep)"
echo "BACKUPS_KEPT=$kept"
echo "BACKUPS_DELETED=$deleted"
