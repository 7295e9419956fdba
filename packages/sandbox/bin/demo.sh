#!/usr/bin/env bash
# demo.sh — the Readybook demo (`pnpm demo`): a fresh sandbox, then real runbook runs against it:
# deploy v1, write data, back up, deploy v2, a deploy of a broken release that rolls itself back, a
# rollback to v1 (timed), a restore, and a disaster-recovery drill; then, through HAProxy with Prometheus
# watching, a load test, a zero-downtime deploy under load, and two canary deploys — v3 promoted, bad rolled
# back by its analysis; last, an incident drill: the service is stopped, DemoServiceDown fires in Alertmanager, the
# runbook its runbook_url names runs as a sub-run and the alert resolves (MTTD, MTTR). Every run publishes its
# result to the sandbox's Pushgateway (READYBOOK_PUSHGATEWAY), which the readiness alerts watch. The measured RTO, RPO, rollback time, latency percentiles, failed requests and
# canary detection time are printed at the end; the runs are the evidence `readybook check
# production-readiness` reads.
# Re-runnable: it tears down the sandbox it made last time first. Needs the engine built (`pnpm build`).
#   SANDBOX=.sandbox   where the sandbox lives, relative to the repository root; it is left running at the end
#   READYBOOK_CLI=...  the readybook CLI to run (default packages/engine/bin/readybook.js)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$repo"
bin="packages/sandbox/bin"
sandbox="${SANDBOX:-.sandbox}"
cli="${READYBOOK_CLI:-packages/engine/bin/readybook.js}" # READYBOOK_CLI: another build of the CLI
[[ -f packages/engine/dist/bundle/cli.mjs ]] || { echo "demo: the engine is not built; run pnpm build first" >&2; exit 2; }
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
# Every run's result goes to the sandbox's Pushgateway, where Prometheus and the readiness alerts read it.
if [[ -n "${PUSHGATEWAY_PORT:-}" && -n "${SANDBOX_PUSHGATEWAY:-}" ]]; then export READYBOOK_PUSHGATEWAY="http://127.0.0.1:$PUSHGATEWAY_PORT"; fi

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

# The checklist's trend item compares p95 with the median of the five load tests before the latest:
# five short ones first give this machine a history of its own (a fresh clone has none).
step "Load-test history: five 2-second load tests, for the p95 trend"
for i in 1 2 3 4 5; do node "$cli" run load-test --yes --json --param "SANDBOX=$sandbox" --param DURATION=2 > /dev/null || exit 1; done
node "$cli" runs --runbook load-test --limit 5

step "Load test through HAProxy: autocannon, 10 connections, at most 200 requests/s for 5 s"
run load-test

step "Zero-downtime deploy of v2: blue/green through HAProxy while a load runs"
run zero-downtime-deploy --param VERSION=v2

step "Canary deploy of v3: 10 -> 50 -> 100 % under load, analysed in Prometheus, promoted"
run canary-deploy --param VERSION=v3
cp "$work/canary-deploy.id" "$work/canary-good.id"

step "Canary deploy of a bad release (one GET /items in five fails): detected and rolled back by itself"
run canary-deploy --param VERSION=bad --param EXPECT=rollback
cp "$work/canary-deploy.id" "$work/canary-bad.id"
echo "  serving now: $(curl -fsS "http://127.0.0.1:$PROXY_PORT/version")"

step "Incident drill: stop the service; DemoServiceDown fires, notifies, its runbook fixes it, the alert resolves"
run incident-drill
echo "  serving now: $(curl -fsS "http://127.0.0.1:$SERVICE_PORT/version")"

# value NAME KEY: an output of the demo's run NAME (a runbook, or canary-good / canary-bad), from its report
# (read once per run into $work/NAME.json).
value() {
  [[ -f "$work/$1.json" ]] || node "$cli" report "$(cat "$work/$1.id")" --format json >"$work/$1.json"
  node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).outputs[process.argv[2]] ?? "?")' "$work/$1.json" "$2"
}

step "Summary"
echo "  RTO (database dropped -> service healthy): $(value dr-drill RTO_SECONDS) s   (objective < 4 h)"
echo "  RPO (age of the backup used):              $(value dr-drill RPO_SECONDS) s   (objective < 24 h)"
echo "  rollback (switch -> healthy):              $(value rollback ROLLBACK_SECONDS) s   (objective < 5 min)"
echo "  load test p50 / p95 / p99:                $(value load-test P50_MS) / $(value load-test P95_MS) / $(value load-test P99_MS) ms   (objective p95 < 200 ms)"
echo "  load test error rate, throughput:          $(value load-test ERROR_RATE), $(value load-test RPS) requests/s ($(value load-test REQUESTS) requests)"
echo "  zero-downtime deploy, failed requests:     $(value zero-downtime-deploy FAILED_REQUESTS) of $(value zero-downtime-deploy LOAD_REQUESTS)   (target 0; switch $(value zero-downtime-deploy SWITCH_SECONDS) s)"
echo "  canary v3:                                 $(value canary-good STAGES) -> $(value canary-good CANARY_RESULT), $(value canary-good CLIENT_ERRORS) client errors"
echo "  canary bad:                                $(value canary-bad STAGES) -> $(value canary-bad CANARY_RESULT)"
echo "  canary bad detected / rolled back in:      $(value canary-bad DETECTION_SECONDS) s / $(value canary-bad ROLLBACK_SECONDS) s   (analysis interval $(value canary-bad ANALYSIS_INTERVAL_SECONDS) s; objective < 5 min)"
echo "  canary bad client errors:                  $(value canary-bad CLIENT_ERRORS) of $(value canary-bad LOAD_REQUESTS) (the canary answered $(value canary-bad CANARY_REQUESTS), share $(value canary-bad CANARY_SHARE))"
echo "  incident drill ($(value incident-drill REMEDIATION_RUNBOOK) as remediation): MTTD $(value incident-drill MTTD_SECONDS) s, notified $(value incident-drill NOTIFY_SECONDS) s, MTTR $(value incident-drill MTTR_SECONDS) s   (objective MTTR < 1 h)"
echo "  incident timeline: $(value incident-drill TIMELINE)"
echo "  backup used: $(value dr-drill BACKUP_USED)"
echo "  report:      ${READYBOOK_HOME:-.readybook}/runs/$(cat "$work/dr-drill.id")/report.md"
echo "  sandbox:     $sandbox (remove it with: $bin/sandbox.sh down $sandbox)"
