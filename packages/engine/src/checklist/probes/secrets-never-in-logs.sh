#!/usr/bin/env bash
# Checklist probe: secrets never reach logs. Runs a throwaway runbook whose step prints its secret param
# and writes it as an output, then searches everything the run left (journal, step logs, outputs, reports)
# and the CLI's own output for the value. Run from the repository root after `pnpm build`.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../../.." && pwd)"
work="$(mktemp -d)"
trap '[[ -n ${KEEP:-} ]] || rm -rf "$work"' EXIT
canary="probe-${RANDOM}${RANDOM}-not-a-real-secret"

cat >"$work/leak.md" <<'RUNBOOK'
---
title: Secret leak probe
params:
  TOKEN:
    type: string
    secret: true
    required: true
---

## Print the secret

```sh run
echo "token=$TOKEN"
echo "TOKEN_ECHO=$TOKEN" >>"$READYBOOK_OUTPUT"
```
RUNBOOK

export READYBOOK_HOME="$work/home"
if ! node "$repo/packages/engine/bin/readybook.js" run "$work/leak.md" --param "TOKEN=$canary" --yes >"$work/cli.out" 2>&1; then
  tail -n 20 "$work/cli.out"
  echo "the probe runbook did not pass, so nothing was checked" >&2
  exit 1
fi
if ! grep -rq "token=" "$READYBOOK_HOME"; then
  echo "the step's output was not recorded under READYBOOK_HOME, so nothing was checked" >&2
  exit 1
fi
if leaks="$(grep -rl -- "$canary" "$READYBOOK_HOME" "$work/cli.out")"; then
  echo "the secret value is written in:" >&2
  echo "${leaks//$work/<tmp>}" >&2
  exit 1
fi
echo "the secret was masked in the journal, step logs, outputs, reports and CLI output"
