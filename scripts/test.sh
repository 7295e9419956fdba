#!/usr/bin/env bash
# The whole test suite, as CI runs it (`bash .ci/run` calls this after installing pnpm).
# Stages run in order; a failing stage does not stop the later ones, but fails the suite.
set -uo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1 ASTRO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
LOGS=$(mktemp -d)
# The machine's own Node (pnpm puts the pinned Node 24 shim first on PATH): the engine must run on it.
SYSTEM_NODE=""
for candidate in $(which -a node 2>/dev/null); do
  case "$(readlink -f "$candidate")" in "$PWD"/node_modules/*) continue ;; esac
  SYSTEM_NODE=$candidate; break
done
results=()
failed=0

stage() {
  local name=$1; shift
  local log="$LOGS/$(echo "$name" | tr -c 'a-zA-Z0-9' '-').log"
  local start=$SECONDS
  printf '\n\033[1m━━ %s\033[0m\n' "$name"
  if "$@" 2>&1 | tee "$log"; then
    results+=("ok    $name ($((SECONDS - start))s)")
  else
    results+=("FAIL  $name ($((SECONDS - start))s)")
    failed=$((failed + 1))
  fi
}

stage "install and build" bash scripts/bootstrap.sh
stage "typecheck" pnpm --silent typecheck --output-logs=errors-only
stage "lint (Biome)" pnpm --silent lint
stage "validate every runbook" pnpm --silent readybook validate
stage "plan the runbooks CI cannot run" bash -c 'for r in k8s-deploy k8s-rollback compose-deploy; do [ -f runbooks/$r.md ] || continue; pnpm --silent readybook plan $r >/dev/null || exit 1; echo "planned $r"; done'
stage "unit and integration tests (vitest)" pnpm --silent test:unit --output-logs=full
if [ -n "$SYSTEM_NODE" ]; then
  stage "engine CLI on the system Node ($("$SYSTEM_NODE" -v))" env READYBOOK_TEST_NODE="$SYSTEM_NODE" pnpm --filter @readybook/engine exec vitest run test/run.test.ts
fi
stage "demo: sandbox, deploys, backup, DR drill" pnpm --silent demo
stage "recovery runbooks vs bare pg_dump/pg_restore (48 MiB smoke)" pnpm --silent bench:recovery --quick
stage "go/no-go gate: production-readiness" pnpm --silent readybook check production-readiness --write
stage "docs site with the evidence just produced" pnpm --silent docs:build --output-logs=errors-only --force
stage "docs JS budget" pnpm --filter @readybook/docs exec node scripts/js-budget.mjs
# Mobile Lighthouse on the longest pages, median of 5 runs each; thresholds and why in apps/docs/scripts/lighthouse.mjs.
stage "docs Lighthouse (longest pages, median of 5)" pnpm --filter @readybook/docs exec node scripts/lighthouse.mjs --runs 5
stage "browser tests (Playwright, Chromium)" pnpm --silent test:e2e

# The demo leaves its sandbox up for people to explore; the suite stops it (PostgreSQL, HAProxy, Prometheus…).
[ -d .sandbox ] && { bash packages/sandbox/bin/sandbox.sh down .sandbox >/dev/null 2>&1 || echo "warning: sandbox down failed"; }

printf '\n\033[1m━━ summary\033[0m\n'
printf '%s\n' "${results[@]}"
# Count the tests the runners executed (vitest: "Tests  N passed (M)"; Playwright: "N passed").
passed=$(cat "$LOGS"/*.log | sed -E 's/\x1b\[[0-9;]*m//g; s/^@[^ ]+:test: //' | grep -E '^\s+Tests\s+.*[0-9]+ passed|^\s+[0-9]+ passed \(' | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
tfailed=$(cat "$LOGS"/*.log | sed -E 's/\x1b\[[0-9;]*m//g; s/^@[^ ]+:test: //' | grep -E '^\s+Tests\s+.*[0-9]+ failed|^\s+[0-9]+ failed$' | grep -oE '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
echo "stages: $(( ${#results[@]} - failed )) ok, $failed failed; logs in $LOGS"
echo "Tests: $passed passed, $((tfailed + failed)) failed"
[ "$failed" -eq 0 ]
