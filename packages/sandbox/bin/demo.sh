#!/usr/bin/env bash
# demo.sh — the Readybook demo (`pnpm demo`): a fresh sandbox, then real runbook runs against it:
# deploy v1, write data, back up, deploy v2, a deploy of a broken release that rolls itself back, a
# rollback to v1 (timed), a restore, and a disaster-recovery drill. The measured RTO, RPO and rollback
# time are printed at the end; the runs are the evidence `readybook check production-readiness` reads.
# Re-runnable: it tears down the sandbox it made last time first. Needs the engine built (`pnpm build`).
#   SANDBOX=.sandbox   where the sandbox lives, relative to the repository root; it is left running at the end
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$repo"
bin="packages/sandbox/bin"
sandbox="${SANDBOX:-.sandbox}"
cli="packages/engine/bin/readybook.js"
[[ -f packages/engine/dist/cli.js ]] || { echo "demo: the engine is not built; run pnpm build first" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# run NAME [--param K=V ...]: runs a runbook with the engine's own live progress, and keeps its run id in $work/NAME.id.
run() {
  local name="$1"; shift
  local code=0
  node "$cli" run "$name" --yes --param "SANDBOX=$sandbox" "$@" || code=$?
  node "$cli" runs --runbook "$name" --limit 1 --json |
    node -e 'let t="";process.stdin.on("data",(c)=>(t+=c)).on("end",()=>console.log(JSON.parse(t)[0]?.runId ?? ""))' > "$work/$name.id"
  return "$code"
}

step "Sandbox: a throwaway PostgreSQL cluster (down first, so the demo starts clean)"
"$bin/sandbox.sh" down "$sandbox"
"$bin/sandbox.sh" up "$sandbox"
# shellcheck disable=SC1091
source "$sandbox/env"

step "Deploy v1 (backup, build, migrate, switch, restart, health, smoke test)"
run deploy --param VERSION=v1

step "Write data through the service"
for name in apples pears plums; do
  curl -fsS -X POST -H 'content-type: application/json' -d "{\"name\":\"$name\"}" "http://127.0.0.1:$SERVICE_PORT/items"
  echo
done

step "Back up the database (checksum, manifest, verify, retention)"
run backup

step "Deploy v2 (adds items.created_by; expand-only migration)"
run deploy --param VERSION=v2

step "Deploy a broken release: health passes, smoke test fails, the run rolls back to v2"
if run deploy --param VERSION=broken; then
  echo "demo: the broken release was not rolled back" >&2
  exit 1
fi
echo "  serving now: $(curl -fsS "http://127.0.0.1:$SERVICE_PORT/version")"

step "Roll back to the previous release (v1), timed"
run rollback

step "Restore the latest backup (verified, through a scratch database)"
run restore

step "Disaster-recovery drill: back up, drop the database, restore, measure"
run dr-drill

# value RUNBOOK KEY: an output of the demo's run of RUNBOOK, from its report.
value() {
  node "$cli" report "$(cat "$work/$1.id")" --format json |
    node -e 'let t="";process.stdin.on("data",(c)=>(t+=c)).on("end",()=>console.log(JSON.parse(t).outputs[process.argv[1]] ?? "?"))' "$2"
}

step "Summary"
echo "  RTO (database dropped -> service healthy): $(value dr-drill RTO_SECONDS) s   (objective < 4 h)"
echo "  RPO (age of the backup used):              $(value dr-drill RPO_SECONDS) s   (objective < 24 h)"
echo "  rollback (switch -> healthy):              $(value rollback ROLLBACK_SECONDS) s   (objective < 5 min)"
echo "  backup used: $(value dr-drill BACKUP_USED)"
echo "  report:      ${READYBOOK_HOME:-.readybook}/runs/$(cat "$work/dr-drill.id")/report.md"
echo "  sandbox:     $sandbox (remove it with: $bin/sandbox.sh down $sandbox)"
